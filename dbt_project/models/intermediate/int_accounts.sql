with douyin as (
    select * from {{ ref('stg_douyin__accounts') }}
),

bilibili as (
    select * from {{ ref('stg_bilibili__accounts') }}
),

kuaishou as (
    select * from {{ ref('stg_kuaishou__accounts') }}
),

weibo as (
    select * from {{ ref('stg_weibo__accounts') }}
),

xiaohongshu as (
    select * from {{ ref('stg_xiaohongshu__accounts') }}
),

wechat_channels as (
    select * from {{ ref('stg_wechat_channels__accounts') }}
),

zhihu as (
    select * from {{ ref('stg_zhihu__accounts') }}
),

wechat_oa as (
    select * from {{ ref('stg_wechat_oa__accounts') }}
),

unioned as (
    select platform, account_id, account_name, account_role from douyin
    union all
    select platform, account_id, account_name, account_role from bilibili
    union all
    select platform, account_id, account_name, account_role from kuaishou
    union all
    select platform, account_id, account_name, account_role from weibo
    union all
    select platform, account_id, account_name, account_role from xiaohongshu
    union all
    select platform, account_id, account_name, account_role from wechat_channels
    union all
    select platform, account_id, account_name, account_role from zhihu
    union all
    select platform, account_id, account_name, account_role from wechat_oa
)

select * from unioned
