{{ staging_by_day('snapshot_date', keep_unchanged_days=true) }}
{{ stage_daily('wechat_oa', 'followers', key=['account_id', 'openid', 'snapshot_date'], columns={
    'account_id': "record ->> 'account_id'",
    'snapshot_date': "business_date",
    'openid': "record ->> 'openid'",
    'unionid': "nullif(record ->> 'unionid', '')",
    'is_subscribed': "cast(record ->> 'subscribe' as integer) = 1",
    'subscribed_at': unix_to_timestamp("record ->> 'subscribe_time'"),
    'subscribe_scene': "record ->> 'subscribe_scene'",
}) }}
