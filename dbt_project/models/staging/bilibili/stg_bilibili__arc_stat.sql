{{ staging_by_day() }}
-- Cumulative lifetime totals of each archive as of the end of business_date.
{{ stage_daily('bilibili', 'arc_stat', key=['content_id', 'business_date'], columns={
    'content_id': "record ->> 'resource_id'",
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'views_total': count_value("record ->> 'view'"),
    'likes_total': count_value("record ->> 'like'"),
    'comments_total': count_value("record ->> 'reply'"),
    'shares_total': count_value("record ->> 'share'"),
    'saves_total': count_value("record ->> 'favorite'"),
    'coins_total': count_value("record ->> 'coin'"),
    'danmaku_total': count_value("record ->> 'danmaku'"),
}) }}
