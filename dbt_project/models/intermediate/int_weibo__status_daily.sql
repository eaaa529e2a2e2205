-- Weibo serves lifetime totals only: see the daily_from_snapshots macro.
with status_stat as (
    select * from {{ ref('stg_weibo__status_stat') }}
),

statuses as (
    select content_id, published_at from {{ ref('stg_weibo__statuses') }}
),

{{ daily_from_snapshots('weibo', 'status_stat', 'statuses', ['likes', 'comments', 'shares']) }}

select * from final
