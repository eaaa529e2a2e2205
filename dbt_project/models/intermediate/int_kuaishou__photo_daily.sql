-- Kuaishou serves lifetime totals only: see the daily_from_snapshots macro.
with photo_stat as (
    select * from {{ ref('stg_kuaishou__photo_stat') }}
),

photos as (
    select content_id, published_at from {{ ref('stg_kuaishou__photos') }}
),

{{ daily_from_snapshots('kuaishou', 'photo_stat', 'photos', ['views', 'likes', 'comments']) }}

select * from final
