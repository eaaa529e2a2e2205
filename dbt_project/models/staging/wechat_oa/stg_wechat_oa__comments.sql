{{ config(materialized='incremental', unique_key=['account_id', 'comment_id'], incremental_strategy='delete+insert') }}
with source as (
    select * from {{ source('wechat_oa', 'comments') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'wechat_oa' as platform,
        record ->> 'account_id' as account_id,
        (record ->> 'msg_data_id') || '_' || cast(cast(record ->> 'index' as integer) + 1 as varchar)
            as content_id,
        record ->> 'user_comment_id' as comment_id,
        record ->> 'openid' as user_id,
        'wechat_openid' as user_id_type,
        record ->> 'content' as comment_text,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as commented_at,
        business_date,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed', key="account_id || '/' || comment_id") }}

select * from final
