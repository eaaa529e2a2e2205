{{ staging_by_day() }}
{{ stage_daily('douyin', 'fans_daily', key=['account_id', 'business_date'], columns={
    'account_id': "record ->> 'open_id'",
    'business_date': "business_date",
    'followers_total': count_value("record ->> 'total_fans'"),
    'new_followers': count_value("record ->> 'new_fans'"),
}) }}
