{{ config(materialized='incremental', unique_key='content_id', incremental_strategy='delete+insert') }}
with source as (
    select * from {{ source('bilibili', 'archives') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'bilibili' as platform,
        record ->> 'resource_id' as content_id,
        record ->> 'account_id' as account_id,
        record ->> 'title' as title,
        'long_video' as content_form,
        {{ unix_to_timestamp("record ->> 'ptime'") }} as published_at,
        cast(record -> 'video_info' ->> 'duration' as integer) as duration_seconds,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed') }}

select * from final
