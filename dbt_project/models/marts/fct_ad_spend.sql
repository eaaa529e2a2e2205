{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_run_window() }}") }}
{#- One row per ad campaign per business date: spend, impressions, clicks and conversions
    (paid follower acquisition: 拉新计划). Incremental: a run rebuilds its dates. -#}
with spend as (
    select * from {{ ref('stg_ads__spend_daily') }}
    where {{ in_run_window() }}
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
