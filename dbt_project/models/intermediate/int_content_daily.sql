-- Every platform's per-content daily numbers in the conformed columns (one mapping,
-- documented in _intermediate__models.yml). Columns a platform does not report are null.
with douyin as (
    select * from {{ ref('stg_douyin__video_daily') }}
),

kuaishou as (
    select * from {{ ref('int_kuaishou__photo_daily') }}
),

bilibili as (
    select * from {{ ref('int_bilibili__archive_daily') }}
),

weibo as (
    select * from {{ ref('int_weibo__status_daily') }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__note_daily') }}
),

wechat_channels as (
    select * from {{ ref('stg_wechat_channels__video_daily') }}
),

wechat_oa_articles as (
    select * from {{ ref('stg_wechat_oa__article_daily') }}
),

wechat_oa_comments as (
    select * from {{ ref('stg_wechat_oa__comments') }}
),

-- The datacube has no comment counts: count the day's comments of each article.
wechat_oa as (
    select
        wechat_oa_articles.*,
        coalesce(comment_counts.comments, 0) as comments
    from wechat_oa_articles
    left join (
        select content_id, business_date, count(*) as comments
        from wechat_oa_comments
        group by content_id, business_date
    ) as comment_counts using (content_id, business_date)
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
        views, likes, comments,
        cast(null as bigint) as shares,
        cast(null as bigint) as saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(null as bigint) as completed_views,
        cast(null as double) as avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from kuaishou

    union all

    select
        platform, content_id, account_id, business_date,
        cast(null as bigint) as impressions,
        cast(null as bigint) as views,
        likes, comments, shares,
        cast(null as bigint) as saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(null as bigint) as completed_views,
        cast(null as double) as avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from weibo

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
        views,
        cast(null as bigint) as likes,
        comments, shares, saves,
        cast(null as bigint) as coins,
        cast(null as bigint) as danmaku,
        cast(null as bigint) as completed_views,
        cast(null as double) as avg_watch_seconds,
        cast(null as bigint) as follows_gained
    from wechat_oa

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
