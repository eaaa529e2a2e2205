{#- Lifetime value so far (docs/requirements.md R-K4): one row per group of people — all, cross-platform
    (present on 2+ social platforms) and single-platform — with people, buyers, GMV,
    LTV per person (GMV / people) and per buyer (GMV / buyers). -#}
{#- Read from kpi_user_segments, which holds one row per person of dim_unified_user with
    their orders and what they paid so far (kpi_buyer_purchases): the sums
    are made once per person there, and kept on the day for the people whose orders did
    not move, where grouping every order again took 1.2-1.4 s of each daily run at `large`
    and grew with the history. -#}
with people as (
    select * from {{ ref('kpi_user_segments') }}
),

per_group as (
    select
        case when is_cross_platform then 'cross_platform' else 'single_platform' end
            as user_group,
        count(*) as users,
        count(*) filter (where orders > 0) as buyers,
        coalesce(sum(orders), 0) as orders,
        coalesce(sum(monetary_yuan), 0) as gmv_yuan
    from people
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
