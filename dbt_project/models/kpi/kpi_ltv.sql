{#- Lifetime value so far (docs/requirements.md R-K4): one row per group of people — all, cross-platform
    (present on 2+ social platforms) and single-platform — with people, buyers, GMV,
    LTV per person (GMV / people) and per buyer (GMV / buyers). -#}
with users as (
    select * from {{ ref('dim_unified_user') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

-- the orders summed per buyer first, then each person counted once into their group:
-- grouping every person's joined orders and copying the people once more for 'all' took
-- three times as long at `large`
buyers as (
    select unified_user_id, count(*) as orders, sum(amount_yuan) as gmv_yuan
    from orders
    where unified_user_id is not null
    group by all
),

per_group as (
    select
        case when u.is_cross_platform then 'cross_platform' else 'single_platform' end
            as user_group,
        count(*) as users,
        count(b.unified_user_id) as buyers,
        coalesce(sum(b.orders), 0) as orders,
        coalesce(sum(b.gmv_yuan), 0) as gmv_yuan
    from users as u
    left join buyers as b using (unified_user_id)
    group by all
),

grouped as (
    select * from per_group
    union all
    select 'all', cast(sum(users) as bigint), cast(sum(buyers) as bigint), sum(orders), sum(gmv_yuan)
    from per_group
    having count(*) > 0  -- no people: no rows, as for the other groups
),

final as (
    select
        user_group,
        users,
        buyers,
        orders,
        gmv_yuan,
        gmv_yuan / users as ltv_yuan,
        gmv_yuan / nullif(buyers, 0) as ltv_per_buyer_yuan
    from grouped
)

select * from final
