{{ stage_listing('douyin', 'videos', {
    'content_id': "record ->> 'item_id'",
    'account_id': "record ->> 'open_id'",
    'title': "record ->> 'title'",
    'content_form': "'short_video'",
    'published_at': unix_to_timestamp("record ->> 'create_time'"),
    'duration_seconds': "cast(null as integer)",
}) }}
