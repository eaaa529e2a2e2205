{{ staging_by_day() }}
-- Lifetime totals of each status as of the end of business_date.
{{ stage_daily('weibo', 'statuses', key=['content_id', 'business_date'], columns={
    'content_id': "record ->> 'idstr'",
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'likes_total': count_value("record ->> 'attitudes_count'"),
    'comments_total': count_value("record ->> 'comments_count'"),
    'shares_total': count_value("record ->> 'reposts_count'"),
}) }}
