{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ written_since_pre_hook(segments_since(), segments_gone()) }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per unified user, as of the last loaded date (kpi_user_segments_as_of;
    docs/requirements.md R-K4).
    Engagement RFM: R = days since the last interaction (≤7 → 3, ≤30 → 2, else 1),
    F = interactions in the last 30 days (≥5 → 3, ≥2 → 2, else 1), V = value of the
    relation (WeCom contact or buyer → 3, present on 2+ platforms → 2, else 1);
    R+F+V ≥ 8 → 核心粉, ≥ 5 → 活跃粉, else 潜在粉.
    Commerce RFM (buyers only): recency, frequency and monetary value each compared with
    the buyers' average → the eight classic segments (重要价值客户 … 一般挽留客户).
    Lifecycle: first seen within 30 days → 新粉; else last active within 30 days (or
    listed by a current follower, contact or member snapshot: is_listed) → 活跃, 31–90
    days → 沉默, longer → 流失.

    Incremental (segments_since, macros/written_since.sql): every person is scored each
    run, and only the rows that differ from the stored ones are written (a few tens of
    thousands of 4.1M a day at `large`: people whose segment, orders or dates moved). A
    row holds nothing that moves by itself with the as-of date: that date and the buyers'
    averages are kept once (kpi_user_segments_as_of), and a listed person's
    last_active_date is their last dated activity, with is_listed, as dim_unified_user has
    it. People a merge or an erasure took away leave (the pre-hook). -#}
{%- set since = segments_since() %}
{%- set compared = ['unified_user_id', 'platforms', 'is_cross_platform', 'r_score', 'f_score',
    'v_score', 'engagement_segment', 'orders', 'monetary_yuan', 'commerce_segment',
    'lifecycle_stage', 'first_seen_date', 'last_active_date', 'is_listed'] %}
with users as (
    select * from {{ ref('dim_unified_user') }}
),

-- not materialized: DuckDB would first keep every row of each as a CTE; read so, only
-- the columns used are scanned
interactions as not materialized (
    select * from {{ ref('fct_user_interactions') }}
),

orders as not materialized (
    select * from {{ ref('fct_orders') }}
),

as_of as (
    select * from {{ ref('kpi_user_segments_as_of') }}
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
    {{ purchases_per_buyer('orders') }}
),

scored as (
    select
        u.unified_user_id,
        u.platforms,
        u.is_cross_platform,
        u.first_seen_date,
        -- the last dated activity: a listed person's last_seen_date is null while a
        -- snapshot lists them (dim_unified_user), so no row moves with the as-of date
        greatest(e.last_interaction_date, p.last_order_date, u.last_seen_date)
            as last_active_date,
        u.is_listed,
        p.orders,
        p.monetary_yuan,
        p.last_order_date,
        case
            when e.last_interaction_date > a.as_of_date - interval 8 day then 3
            when e.last_interaction_date > a.as_of_date - interval 31 day then 2
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
    from users as u
    left join engagement as e using (unified_user_id)
    left join purchases as p using (unified_user_id)
    cross join as_of as a
),

final as (
    select
        s.unified_user_id,
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
                (case when a.as_of_date - s.last_order_date <= a.avg_recency_days then 'R' else 'r' end)
                || (case when s.orders > a.avg_orders then 'F' else 'f' end)
                || (case when s.monetary_yuan > a.avg_monetary_yuan then 'M' else 'm' end)
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
            when s.first_seen_date > a.as_of_date - interval 30 day then '新粉'
            when s.is_listed or s.last_active_date > a.as_of_date - interval 31 day then '活跃'
            when s.last_active_date > a.as_of_date - interval 91 day then '沉默'
            else '流失'
        end as lifecycle_stage,
        s.first_seen_date,
        s.last_active_date,
        s.is_listed
    from scored as s
    cross join as_of as a
),

{% if since %}
written as (
    {{ rows_that_differ('final', compared) }}
),
{% else %}
written as (
    select * from final
),
{% endif %}

stamped as (
    select *, current_timestamp as updated_at
    from written
)

select * from stamped
