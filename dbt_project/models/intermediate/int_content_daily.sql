{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window(lookahead=1) }}") }}
-- Every platform's per-content daily numbers in the conformed columns (the mapping is the
-- seed platform_metric_mapping). Columns a platform does not report are null.
-- Incremental: a run rebuilds its dates and the day after (a snapshot platform's day is the
-- difference with the day before).
with douyin as (
    select * from {{ ref('stg_douyin__video_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

kuaishou as (
    select * from {{ ref('int_kuaishou__photo_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

bilibili as (
    select * from {{ ref('int_bilibili__archive_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

weibo as (
    select * from {{ ref('int_weibo__status_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__note_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

wechat_channels as (
    select * from {{ ref('stg_wechat_channels__video_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

wechat_oa_articles as (
    select * from {{ ref('stg_wechat_oa__article_daily') }}
    where {{ in_run_window(lookahead=1) }}
),

wechat_oa_comments as (
    select * from {{ ref('stg_wechat_oa__comments') }}
    where {{ in_run_window(lookahead=1) }}
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
    where {{ in_run_window(lookahead=1) }}
),

unioned as (
    {{ select_conformed_content('douyin', {'views': '', 'likes': '', 'comments': '',
        'shares': '', 'avg_watch_seconds': ''}) }}
    union all
    {{ select_conformed_content('kuaishou', {'views': '', 'likes': '', 'comments': ''}) }}
    union all
    {{ select_conformed_content('bilibili', {'views': '', 'likes': '', 'comments': '',
        'shares': '', 'saves': '', 'coins': '', 'danmaku': ''}) }}
    union all
    -- Weibo does not report views of a status.
    {{ select_conformed_content('weibo', {'likes': '', 'comments': '', 'shares': ''}) }}
    union all
    -- The datacube reports no likes.
    {{ select_conformed_content('wechat_oa', {'views': '', 'comments': '', 'shares': '',
        'saves': ''}) }}
    union all
    -- The exports give 完播率 as a rate: completed views = views × rate.
    {{ select_conformed_content('wechat_channels', {'views': '', 'likes': '', 'comments': '',
        'shares': '', 'completed_views': 'round(views * completion_rate)',
        'avg_watch_seconds': '', 'follows_gained': ''}) }}
    union all
    {{ select_conformed_content('xiaohongshu', {'impressions': '', 'views': '', 'likes': '',
        'comments': '', 'shares': '', 'saves': '',
        'completed_views': 'round(views * completion_rate)', 'avg_watch_seconds': '',
        'follows_gained': ''}) }}
    union all
    {{ select_conformed_content('zhihu', {'views': '', 'likes': '', 'comments': '',
        'shares': '', 'saves': ''}) }}
)

select * from unioned
