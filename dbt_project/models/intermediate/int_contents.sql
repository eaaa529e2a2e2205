with douyin as (
    select * from {{ ref('stg_douyin__videos') }}
),

kuaishou as (
    select * from {{ ref('stg_kuaishou__photos') }}
),

bilibili as (
    select * from {{ ref('stg_bilibili__archives') }}
),

weibo as (
    select * from {{ ref('stg_weibo__statuses') }}
),

-- Exports repeat each content's attributes on every day: keep the latest.
xiaohongshu_notes as (
    select * from {{ ref('stg_xiaohongshu__note_daily') }}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
),

wechat_channels_videos as (
    select * from {{ ref('stg_wechat_channels__video_daily') }}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
),

wechat_oa_articles as (
    select * from {{ ref('stg_wechat_oa__article_daily') }}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
),

zhihu_contents as (
    select * from {{ ref('stg_zhihu__content_daily') }}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
),

unioned as (
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from douyin
    union all
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from bilibili
    union all
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from kuaishou
    union all
    select platform, content_id, account_id, title, content_form, published_at, duration_seconds
    from weibo
    union all
    select
        platform, content_id, account_id, title, content_form, published_at,
        cast(null as integer) as duration_seconds
    from xiaohongshu_notes
    union all
    select
        platform, content_id, account_id, title, content_form, published_at,
        cast(null as integer) as duration_seconds
    from wechat_channels_videos
    union all
    select
        platform, content_id, account_id, title, content_form, published_at,
        cast(null as integer) as duration_seconds
    from zhihu_contents
    union all
    select
        platform, content_id, account_id, title, content_form,
        -- the datacube does not say when an article was sent
        cast(null as timestamp with time zone) as published_at,
        cast(null as integer) as duration_seconds
    from wechat_oa_articles
)

select * from unioned
