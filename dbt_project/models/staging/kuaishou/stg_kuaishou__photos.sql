-- One row per photo: its attributes as last listed.
{{ stage_listing('kuaishou', 'photos', {
    'content_id': "record ->> 'photo_id'",
    'account_id': "record ->> 'account_id'",
    'title': "record ->> 'caption'",
    'content_form': "'short_video'",
    'published_at': unix_to_timestamp("record ->> 'create_time'"),
    'duration_seconds': "cast(null as integer)",
}) }}
