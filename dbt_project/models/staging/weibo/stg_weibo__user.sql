{{ staging_by_day() }}
{{ stage_daily('weibo', 'user', key=['account_id', 'business_date'], columns={
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'followers_total': count_value("record ->> 'followers_count'"),
    'statuses_total': count_value("record ->> 'statuses_count'"),
}) }}
