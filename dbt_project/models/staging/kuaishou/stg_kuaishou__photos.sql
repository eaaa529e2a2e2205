{{ config(materialized='incremental', unique_key='content_id', incremental_strategy='delete+insert') }}
-- One row per photo: its attributes as last listed.
with source as (
    select * from {{ source('kuaishou', 'photos') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'kuaishou' as platform,
        record ->> 'photo_id' as content_id,
        record ->> 'account_id' as account_id,
        record ->> 'caption' as title,
        'short_video' as content_form,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as published_at,
        cast(null as integer) as duration_seconds,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed') }}

select * from final
