{{ staging_by_day() }}
{{ stage_daily('kuaishou', 'user_info', key=['account_id', 'business_date'], columns={
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'followers_total': count_value("record ->> 'fan'"),
    'following_total': count_value("record ->> 'follow'"),
}) }}
