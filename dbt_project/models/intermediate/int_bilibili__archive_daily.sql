-- Bilibili serves cumulative totals only: see the daily_from_snapshots macro.
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window(lookahead=1) }}") }}
with arc_stat as (
    -- the window's snapshots and the one before it
    select * from {{ ref('stg_bilibili__arc_stat') }}
    where {{ in_run_window(lookback=1, lookahead=1) }}
),

archives as (
    select content_id, published_at from {{ ref('stg_bilibili__archives') }}
),

{{ daily_from_snapshots('bilibili', 'arc_stat', 'archives',
                        ['views', 'likes', 'comments', 'shares', 'saves', 'coins', 'danmaku']) }}

select * from final
where {{ in_run_window(lookahead=1) }}
