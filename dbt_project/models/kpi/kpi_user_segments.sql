{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ written_since_pre_hook(segments_since(), segments_gone()) }}",
    post_hook="{{ record_segments_scored_as_of() }}",
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

    Incremental (segments_since, macros/written_since.sql): only the rows that differ from
    the stored ones are written. A row holds nothing that moves by itself with the as-of
    date: that date and the buyers' averages are kept once (kpi_user_segments_as_of), and a
    listed person's last_active_date is their last dated activity, with is_listed, as
    dim_unified_user has it. People a merge or an erasure took away leave (the pre-hook).
    On the day, only the people whose row can have moved are scored (at `large`, a few
    hundred thousand of 4.1M), against the as-of date O the stored rows hold as of (the
    post-hook keeps it) and the new one N:
      - their dim_unified_user row, an interaction or an order was written since, or an
        identifier moved to or from them (int_identity__unified_ids);
      - a buyer whose orders, amount or commerce segment (every buyer's, against the new
        averages) differ from the stored ones: a cancelled order leaves no stamp;
      - an interaction dated where the move from O to N crosses a line of R (more than 7
        or 30 days back: N - 8, N - 31) or the edge of F's 30-day window (N - 30), or a
        stored first-seen or last-active date where it crosses a lifecycle line (新粉
        N - 30, 活跃 N - 31, 沉默 N - 91);
      - everyone when N is before O (the last order cancelled) or unknown.
    Everyone is scored when none was kept (a first build, dim_unified_user written whole). -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
-- depends_on: {{ ref('fct_orders') }} (read on the day only)
{%- set since = segments_since() %}
{%- set scored_as_of = segments_scored_as_of() if since else none %}
{%- set compared = ['unified_user_id', 'platforms', 'is_cross_platform', 'r_score', 'f_score',
    'v_score', 'engagement_segment', 'orders', 'monetary_yuan', 'commerce_segment',
    'lifecycle_stage', 'first_seen_date', 'last_active_date', 'is_listed'] %}
with users as not materialized (
    select * from {{ ref('dim_unified_user') }}
),

-- not materialized: DuckDB would first keep every row of each as a CTE; read so, only
-- the columns used are scanned
interactions as not materialized (
    select * from {{ ref('fct_user_interactions') }}
),

as_of as (
    select * from {{ ref('kpi_user_segments_as_of') }}
),

-- every buyer's orders, amount and last order (kept on the day: kpi_buyer_purchases), which
-- the day's check of buyers reads too
all_purchases as (
    select * from {{ ref('kpi_buyer_purchases') }}
),

{% if scored_as_of %}
{%- set old = "date '" ~ scored_as_of ~ "'" %}
stored as not materialized (
    select * from {{ this }}
),

buyers_now as (
    select
        p.unified_user_id,
        p.orders,
        p.monetary_yuan,
        {{ commerce_segment('p', 'a') }} as commerce_segment
    from all_purchases as p
    cross join as_of as a
),

changed_buyers as (
    select coalesce(n.unified_user_id, s.unified_user_id) as unified_user_id
    from buyers_now as n
    full join (
        select unified_user_id, orders, monetary_yuan, commerce_segment
        from stored
        where orders > 0
    ) as s using (unified_user_id)
    where (n.orders, n.monetary_yuan, n.commerce_segment)
        is distinct from (s.orders, s.monetary_yuan, s.commerce_segment)
),

touched as (
    {{ people_written_since("'" ~ since ~ "'::timestamptz") }}
    union
    select unified_user_id from users where updated_at > '{{ since }}'::timestamptz
    union
    select unified_user_id from changed_buyers
    union
    -- the lines of R (N - 8, N - 31) and the edge of F's window (N - 30)
    select unified_user_id from interactions
    where {{ segments_line_passed('business_date', 8, old) }}
        or {{ segments_line_passed('business_date', 31, old) }}
        or {{ segments_line_passed('business_date', 30, old) }}
    union
    -- the lifecycle's lines: 新粉 (N - 30), 活跃 (N - 31) and 沉默 (N - 91)
    select unified_user_id from stored
    where {{ segments_line_passed('first_seen_date', 30, old) }}
        or {{ segments_line_passed('last_active_date', 31, old) }}
        or {{ segments_line_passed('last_active_date', 91, old) }}
    union
    select unified_user_id from users
    where coalesce((select as_of_date from as_of) < {{ old }}, true)
),

people as (
    select unified_user_id from touched where unified_user_id is not null
),

scored_users as (
    select * from users semi join people using (unified_user_id)
),

scored_interactions as (
    select * from interactions semi join people using (unified_user_id)
),
{% else %}
scored_users as (
    select * from users
),

scored_interactions as (
    select * from interactions
),
{% endif %}

engagement as (
    select
        unified_user_id,
        max(business_date) as last_interaction_date,
        count(*) filter (
            where business_date > (select as_of_date from as_of) - interval 30 day
        ) as interactions_30d
    from scored_interactions
    where unified_user_id is not null
    group by all
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
        {{ commerce_segment('p', 'a') }} as commerce_segment,
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
    from scored_users as u
    left join engagement as e using (unified_user_id)
    left join all_purchases as p using (unified_user_id)
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
        s.commerce_segment,
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
    {{ rows_that_differ('final', compared, key='unified_user_id' if scored_as_of else none) }}
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
