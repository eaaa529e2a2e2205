{{ staging_by_day('snapshot_date') }}
with source as (
    select * from {{ source('wechat_oa', 'followers') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'wechat_oa' as platform,
        record ->> 'account_id' as account_id,
        business_date as snapshot_date,
        record ->> 'openid' as openid,
        nullif(record ->> 'unionid', '') as unionid,
        cast(record ->> 'subscribe' as integer) = 1 as is_subscribed,
        {{ unix_to_timestamp("record ->> 'subscribe_time'") }} as subscribed_at,
        record ->> 'subscribe_scene' as subscribe_scene,
        _ingested_at
    from source
    {{ latest_by("record ->> 'account_id', record ->> 'openid', business_date") }}
)

select * from renamed
