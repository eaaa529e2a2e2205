{{ config(materialized='incremental', unique_key='comment_id', incremental_strategy='delete+insert') }}
with source as (
    select * from {{ source('douyin', 'comments') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'open_id' as account_id,
        record ->> 'item_id' as content_id,
        record ->> 'comment_id' as comment_id,
        record ->> 'comment_user_id' as user_id,
        'douyin_open_id' as user_id_type,
        record ->> 'content' as comment_text,
        {{ count_value("record ->> 'digg_count'") }} as comment_likes,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as commented_at,
        business_date,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed', key="comment_id") }}

select * from final
