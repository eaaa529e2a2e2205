{{ config(materialized='incremental', unique_key='content_id', incremental_strategy='delete+insert') }}
with source as (
    select * from {{ source('douyin', 'videos') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'item_id' as content_id,
        record ->> 'open_id' as account_id,
        record ->> 'title' as title,
        'short_video' as content_form,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as published_at,
        cast(null as integer) as duration_seconds,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed') }}

select * from final
