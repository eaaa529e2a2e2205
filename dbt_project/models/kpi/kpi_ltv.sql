{#- Lifetime value so far (docs/requirements.md R-K4): one row per group of people — all, cross-platform
    (present on 2+ social platforms) and single-platform — with people, buyers, GMV,
    LTV per person (GMV / people) and per buyer (GMV / buyers). -#}
with users as (
    select * from {{ ref('dim_unified_user') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

value_per_user as (
    select
        u.unified_user_id,
        u.is_cross_platform,
        count(o.order_id) as orders,
        coalesce(sum(o.amount_yuan), 0) as gmv_yuan
    from users as u
    left join orders as o using (unified_user_id)
    group by all
),

grouped as (
    select 'all' as user_group, * from value_per_user
    union all
    select
        case when is_cross_platform then 'cross_platform' else 'single_platform' end,
        *
    from value_per_user
),

final as (
    select
        user_group,
        count(*) as users,
        count(*) filter (where orders > 0) as buyers,
        sum(orders) as orders,
        sum(gmv_yuan) as gmv_yuan,
        sum(gmv_yuan) / count(*) as ltv_yuan,
        sum(gmv_yuan) / nullif(count(*) filter (where orders > 0), 0) as ltv_per_buyer_yuan
    from grouped
    group by user_group
)

select * from final
