-- Every platform's per-content daily numbers in the conformed columns (one mapping,
-- documented in _intermediate__models.yml). Columns a platform does not report are null.
with douyin as (
    select * from {{ ref('stg_douyin__video_daily') }}
),

bilibili as (
    select * from {{ ref('int_bilibili__archive_daily') }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__note_daily') }}
),

wechat_channels as (
    select * from {{ ref('stg_wechat_channels__video_daily') }}
),

zhihu as (
    select * from {{ ref('stg_zhihu__content_daily') }}
),

unioned as (
    select
        platform, content_id, account_id, business_date,
        cast(null as bigint) as impressions,
        views, likes, comments, shares,
        cast(null as bigint) as saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(null as bigint) as completed_views,
        avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from douyin

    union all

    select
        platform, content_id, account_id, business_date,
        cast(null as bigint) as impressions,
        views, likes, comments, shares, saves, coins, danmaku,
        cast(null as bigint) as completed_views,
        cast(null as double) as avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from bilibili

    union all

    select
        platform, content_id, account_id, business_date,
        impressions, views, likes, comments, shares, saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        -- The export gives 完播率 as a rate; completed views = views × rate.
        cast(round(views * completion_rate) as bigint) as completed_views,
        avg_watch_seconds,
        follows_gained
    from xiaohongshu

    union all

    select
        platform, content_id, account_id, business_date,
        cast(null as bigint) as impressions,
        views, likes, comments, shares,
        cast(null as bigint) as saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(round(views * completion_rate) as bigint) as completed_views,
        avg_watch_seconds,
        follows_gained
    from wechat_channels

    union all

    select
        platform, content_id, account_id, business_date,
        cast(null as bigint) as impressions,
        views, likes, comments, shares, saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(null as bigint) as completed_views,
        cast(null as double) as avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from zhihu
)

select * from unioned
