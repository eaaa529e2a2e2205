{{ staging_by_day() }}
{{ stage_daily('bilibili', 'user_stat', key=['account_id', 'business_date'], columns={
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'followers_total': count_value("record ->> 'follower'"),
    'following_total': count_value("record ->> 'following'"),
    'archives_total': count_value("record ->> 'arc_passed_total'"),
}) }}
