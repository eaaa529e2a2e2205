with douyin as (
    select * from {{ ref('stg_douyin__fans_daily') }}
),

bilibili as (
    select * from {{ ref('stg_bilibili__user_stat') }}
),

kuaishou as (
    select * from {{ ref('stg_kuaishou__user_info') }}
),

weibo as (
    select * from {{ ref('stg_weibo__user') }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__account_daily') }}
),

wechat_channels as (
    select * from {{ ref('stg_wechat_channels__follower_daily') }}
),

zhihu as (
    select * from {{ ref('stg_zhihu__follower_daily') }}
),

wechat_oa as (
    select * from {{ ref('stg_wechat_oa__user_daily') }}
),

unioned as (
    select
        platform, account_id, business_date, followers_total, new_followers,
        cast(null as bigint) as unfollows
    from douyin
    union all
    select
        platform, account_id, business_date, followers_total,
        cast(null as bigint) as new_followers,
        cast(null as bigint) as unfollows
    from bilibili
    union all
    select
        platform, account_id, business_date, followers_total,
        cast(null as bigint) as new_followers,
        cast(null as bigint) as unfollows
    from kuaishou
    union all
    select
        platform, account_id, business_date, followers_total,
        cast(null as bigint) as new_followers,
        cast(null as bigint) as unfollows
    from weibo
    union all
    select platform, account_id, business_date, followers_total, new_followers, unfollows
    from xiaohongshu
    union all
    select platform, account_id, business_date, followers_total, new_followers, unfollows
    from wechat_channels
    union all
    select platform, account_id, business_date, followers_total, new_followers, unfollows
    from zhihu
    union all
    select platform, account_id, business_date, followers_total, new_followers, unfollows
    from wechat_oa
)

select * from unioned
