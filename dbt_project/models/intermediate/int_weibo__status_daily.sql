-- Weibo serves lifetime totals only: see the daily_from_snapshots macro.
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window(lookahead=1) }}") }}
with status_stat as (
    -- the window's snapshots and the one before it
    select * from {{ ref('stg_weibo__status_stat') }}
    where {{ in_run_window(lookback=1, lookahead=1) }}
),

statuses as (
    select content_id, published_at from {{ ref('stg_weibo__statuses') }}
),

{{ daily_from_snapshots('weibo', 'status_stat', 'statuses', ['likes', 'comments', 'shares']) }}

select * from final
where {{ in_run_window(lookahead=1) }}
