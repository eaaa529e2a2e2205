with douyin as (
    select * from {{ ref('stg_douyin__fans_daily') }}
),

bilibili as (
    select * from {{ ref('stg_bilibili__user_stat') }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__account_daily') }}
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
    select platform, account_id, business_date, followers_total, new_followers, unfollows
    from xiaohongshu
)

select * from unioned
