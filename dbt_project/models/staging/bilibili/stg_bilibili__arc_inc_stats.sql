-- The account's increments over all its archives on business_date.
{{ staging_by_day() }}
{{ stage_daily('bilibili', 'arc_inc_stats', key=['account_id', 'business_date'], columns={
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'views': count_value("record ->> 'inc_click'"),
    'likes': count_value("record ->> 'inc_like'"),
    'comments': count_value("record ->> 'inc_reply'"),
    'shares': count_value("record ->> 'inc_share'"),
    'saves': count_value("record ->> 'inc_fav'"),
    'coins': count_value("record ->> 'inc_coin'"),
    'danmaku': count_value("record ->> 'inc_dm'"),
    'charges': count_value("record ->> 'inc_elec'"),
}) }}
