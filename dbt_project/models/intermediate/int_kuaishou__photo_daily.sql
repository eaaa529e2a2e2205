-- Kuaishou serves lifetime totals only: see the daily_from_snapshots macro.
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window(lookahead=1) }}") }}
with photo_stat as (
    -- the window's snapshots and the one before it
    select * from {{ ref('stg_kuaishou__photo_stat') }}
    where {{ in_run_window(lookback=1, lookahead=1) }}
),

photos as (
    select content_id, published_at from {{ ref('stg_kuaishou__photos') }}
),

{{ daily_from_snapshots('kuaishou', 'photo_stat', 'photos', ['views', 'likes', 'comments']) }}

select * from final
where {{ in_run_window(lookahead=1) }}
