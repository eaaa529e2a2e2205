-- One row per status (post): its attributes as last listed.
{{ stage_listing('weibo', 'statuses', {
    'content_id': "record ->> 'idstr'",
    'account_id': "record ->> 'account_id'",
    'title': "left(record ->> 'text', 200)",
    'content_form': "'post'",
    'published_at': weibo_time("record ->> 'created_at'"),
    'duration_seconds': "cast(null as integer)",
}) }}
