{#- One row per monthly cohort (the month of a person's first interaction or order) and
    month offset: cohort size, people active in that month, retention rate
    (docs/requirements.md R-K4). annualised_retention_rate, on offset 1, is the month-1 retention
    compounded over twelve months (retention_rate ^ 12): the share of a cohort still
    active after a year if each month keeps that rate. -#}
-- each person's active months, kept per person on the day (kpi_user_active_months): grouping
-- every interaction and order again took 1.7 s standalone at `large`, growing with the history
with people as (
    select * from {{ ref('kpi_user_active_months') }}
),

interactions as (
    select unified_user_id, business_date from {{ ref('fct_user_interactions') }}
),

orders as (
    select unified_user_id, business_date from {{ ref('fct_orders') }}
),

-- people alike (same first month, same months) counted once, then each bit expanded: bit i
-- is month offset (i - first_month) mod 128
patterns as (
    select first_month, month_bits, count(*) as people
    from people
    where last_month - first_month < 128
    group by all
),

short_spans as (
    select
        p.first_month,
        (b.bit - p.first_month % 128 + 128) % 128 as month_offset,
        p.people
    from patterns as p
    join range(128) as b (bit) on (p.month_bits >> cast(b.bit as uhugeint)) & 1 = 1
),

-- a span of 128 months or more (over ten years) is counted month by month, from the
-- interactions and orders of those people alone
long_people as (
    select unified_user_id, first_month from people
    where last_month - first_month >= 128
),

long_activity as (
    select unified_user_id, {{ month_number('business_date') }} as month_number
    from (select * from interactions union all select * from orders)
    semi join long_people using (unified_user_id)
),

long_spans as (
    select
        p.first_month,
        a.month_number - p.first_month as month_offset,
        count(distinct a.unified_user_id) as people
    from long_activity as a
    join long_people as p using (unified_user_id)
    group by all
),

active as materialized (
    select
        make_date(cast(first_month // 12 as integer), cast(first_month % 12 + 1 as integer), 1)
            as cohort_month,
        month_offset,
        sum(people) as active_users
    from (select * from short_spans union all select * from long_spans)
    group by all
),

-- a cohort is whole in its month 0
sizes as (
    select cohort_month, active_users as cohort_size from active where month_offset = 0
),

final as (
    select
        a.cohort_month,
        cast(a.month_offset as bigint) as month_offset,
        cast(s.cohort_size as bigint) as cohort_size,
        cast(a.active_users as bigint) as active_users,
        a.active_users / s.cohort_size as retention_rate,
        case when a.month_offset = 1 then power(a.active_users / s.cohort_size, 12) end
            as annualised_retention_rate
    from active as a
    join sizes as s using (cohort_month)
)

select * from final
