{{ config(materialized='incremental', unique_key='content_id', incremental_strategy='delete+insert') }}
-- One row per status (post): its attributes as last listed.
with source as (
    select * from {{ source('weibo', 'statuses') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'weibo' as platform,
        record ->> 'idstr' as content_id,
        record ->> 'account_id' as account_id,
        left(record ->> 'text', 200) as title,
        'post' as content_form,
        {{ weibo_time("record ->> 'created_at'") }} as published_at,
        cast(null as integer) as duration_seconds,
        _ingested_at,
        _source
    from source
),

{{ latest_listing('renamed') }}

select * from final
