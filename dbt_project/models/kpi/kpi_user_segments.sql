{#- One row per unified user as of the last loaded date (docs/requirements.md R-K4).
    Engagement RFM: R = days since the last interaction (≤7 → 3, ≤30 → 2, else 1),
    F = interactions in the last 30 days (≥5 → 3, ≥2 → 2, else 1), V = value of the
    relation (WeCom contact or buyer → 3, present on 2+ platforms → 2, else 1);
    R+F+V ≥ 8 → 核心粉, ≥ 5 → 活跃粉, else 潜在粉.
    Commerce RFM (buyers only): recency, frequency and monetary value each compared with
    the buyers' average → the eight classic segments (重要价值客户 … 一般挽留客户).
    Lifecycle: first seen within 30 days → 新粉; else last active within 30 days → 活跃,
    31–90 days → 沉默, longer → 流失. -#}
with users as (
    select * from {{ ref('dim_unified_user') }}
),

-- not materialized: each is read twice (the as-of date, then per person), and DuckDB would
-- first keep every row of it as a CTE; read twice, only the columns used are scanned
interactions as not materialized (
    select * from {{ ref('fct_user_interactions') }}
),

orders as not materialized (
    select * from {{ ref('fct_orders') }}
),

as_of as (
    select max(business_date) as as_of_date
    from (
        select business_date from interactions
        union all
        select business_date from orders
    )
),

-- a person a current snapshot lists (a follower, a contact, a member) is seen on the
-- as-of date
people as (
    select * replace (
        coalesce(last_seen_date, case when is_listed then (select as_of_date from as_of) end)
            as last_seen_date
    )
    from users
),

engagement as (
    select
        unified_user_id,
        max(business_date) as last_interaction_date,
        count(*) filter (
            where business_date > (select as_of_date from as_of) - interval 30 day
        ) as interactions_30d
    from interactions
    where unified_user_id is not null
    group by all
),

purchases as (
    select
        unified_user_id,
        max(business_date) as last_order_date,
        count(*) as orders,
        sum(amount_yuan) as monetary_yuan
    from orders
    where unified_user_id is not null
    group by all
),

buyer_averages as (
    select
        avg((select as_of_date from as_of) - last_order_date) as avg_recency_days,
        avg(orders) as avg_orders,
        avg(monetary_yuan) as avg_monetary_yuan
    from purchases
),

scored as (
    select
        u.unified_user_id,
        u.platforms,
        u.is_cross_platform,
        u.first_seen_date,
        greatest(
            coalesce(e.last_interaction_date, u.last_seen_date),
            coalesce(p.last_order_date, u.last_seen_date)
        ) as last_active_date,
        (select as_of_date from as_of) as as_of_date,
        e.interactions_30d,
        p.orders,
        p.monetary_yuan,
        p.last_order_date,
        case
            when e.last_interaction_date > (select as_of_date from as_of) - interval 8 day then 3
            when e.last_interaction_date > (select as_of_date from as_of) - interval 31 day then 2
            else 1
        end as r_score,
        case
            when coalesce(e.interactions_30d, 0) >= 5 then 3
            when coalesce(e.interactions_30d, 0) >= 2 then 2
            else 1
        end as f_score,
        case
            when u.is_wecom_contact or p.orders > 0 then 3
            when u.is_cross_platform then 2
            else 1
        end as v_score
    from people as u
    left join engagement as e using (unified_user_id)
    left join purchases as p using (unified_user_id)
),

final as (
    select
        s.unified_user_id,
        s.as_of_date,
        s.platforms,
        s.is_cross_platform,
        s.r_score,
        s.f_score,
        s.v_score,
        case
            when s.r_score + s.f_score + s.v_score >= 8 then '核心粉'
            when s.r_score + s.f_score + s.v_score >= 5 then '活跃粉'
            else '潜在粉'
        end as engagement_segment,
        s.orders,
        s.monetary_yuan,
        case when s.orders > 0 then
            case
                (case when s.as_of_date - s.last_order_date <= b.avg_recency_days then 'R' else 'r' end)
                || (case when s.orders > b.avg_orders then 'F' else 'f' end)
                || (case when s.monetary_yuan > b.avg_monetary_yuan then 'M' else 'm' end)
                when 'RFM' then '重要价值客户'
                when 'RfM' then '重要发展客户'
                when 'rFM' then '重要保持客户'
                when 'rfM' then '重要挽留客户'
                when 'RFm' then '一般价值客户'
                when 'Rfm' then '一般发展客户'
                when 'rFm' then '一般保持客户'
                else '一般挽留客户'
            end
        end as commerce_segment,
        case
            when s.first_seen_date > s.as_of_date - interval 30 day then '新粉'
            when s.last_active_date > s.as_of_date - interval 31 day then '活跃'
            when s.last_active_date > s.as_of_date - interval 91 day then '沉默'
            else '流失'
        end as lifecycle_stage,
        s.first_seen_date,
        s.last_active_date
    from scored as s
    cross join buyer_averages as b
)

select * from final
