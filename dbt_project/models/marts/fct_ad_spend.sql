{#- One row per ad campaign per business date: spend, impressions, clicks and conversions
    (paid follower acquisition: 拉新计划). -#}
with spend as (
    select * from {{ ref('stg_ads__spend_daily') }}
),

final as (
    select
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        campaign_id,
        campaign_name,
        business_date,
        spend_yuan,
        impressions,
        clicks,
        conversions
    from spend
)

select * from final
