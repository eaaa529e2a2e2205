-- Bilibili serves cumulative totals only: see the daily_from_snapshots macro.
with arc_stat as (
    select * from {{ ref('stg_bilibili__arc_stat') }}
),

archives as (
    select content_id, published_at from {{ ref('stg_bilibili__archives') }}
),

{{ daily_from_snapshots('bilibili', 'arc_stat', 'archives',
                        ['views', 'likes', 'comments', 'shares', 'saves', 'coins', 'danmaku']) }}

select * from final
