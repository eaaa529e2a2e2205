{{ config(materialized='incremental', unique_key='comment_id', incremental_strategy='delete+insert') }}
with source as (
    select * from {{ source('weibo', 'comments') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'weibo' as platform,
        record ->> 'account_id' as account_id,
        record ->> 'status_id' as content_id,
        record ->> 'idstr' as comment_id,
        record -> 'user' ->> 'idstr' as user_id,
        'weibo_uid' as user_id_type,
        record ->> 'text' as comment_text,
        {{ weibo_time("record ->> 'created_at'") }} as commented_at,
        business_date,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed', key="comment_id") }}

select * from final
