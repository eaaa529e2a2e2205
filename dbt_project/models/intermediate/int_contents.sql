with douyin as (
    select * from {{ ref('stg_douyin__videos') }}
),

bilibili as (
    select * from {{ ref('stg_bilibili__archives') }}
),

xiaohongshu_notes as (
    -- The export repeats each note's attributes on every day: keep the latest.
    select * from {{ ref('stg_xiaohongshu__note_daily') }}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
),

unioned as (
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from douyin
    union all
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from bilibili
    union all
    select
        platform, content_id, account_id, title, content_form, published_at,
        cast(null as integer) as duration_seconds
    from xiaohongshu_notes
)

select * from unioned
