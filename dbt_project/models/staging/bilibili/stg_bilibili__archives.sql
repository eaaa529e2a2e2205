{{ stage_listing('bilibili', 'archives', {
    'content_id': "record ->> 'resource_id'",
    'account_id': "record ->> 'account_id'",
    'title': "record ->> 'title'",
    'content_form': "'long_video'",
    'published_at': unix_to_timestamp("record ->> 'ptime'"),
    'duration_seconds': "cast(record -> 'video_info' ->> 'duration' as integer)",
}) }}
