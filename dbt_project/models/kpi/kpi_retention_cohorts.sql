{#- One row per monthly cohort (the month of a person's first interaction or order) and
    month offset: cohort size, people active in that month, retention rate
    (docs/requirements.md R-K4). annualised_retention_rate, on offset 1, is the month-1 retention
    compounded over twelve months (retention_rate ^ 12): the share of a cohort still
    active after a year if each month keeps that rate. -#}
with interactions as (
    select unified_user_id, business_date from {{ ref('fct_user_interactions') }}
),

orders as (
    select unified_user_id, business_date from {{ ref('fct_orders') }}
),

activity as (
    select distinct unified_user_id, cast(date_trunc('month', business_date) as date) as month
    from (select * from interactions union all select * from orders)
    where unified_user_id is not null
),

-- each person's cohort beside each month they were active, by a window over the distinct
-- months: a cohort is whole in its month 0, so its size is that month's active people (a
-- per-person minimum joined back cost more at `large`)
with_cohort as (
    select month, min(month) over (partition by unified_user_id) as cohort_month
    from activity
),

active as materialized (
    select
        cohort_month,
        datediff('month', cohort_month, month) as month_offset,
        count(*) as active_users
    from with_cohort
    group by all
),

sizes as (
    select cohort_month, active_users as cohort_size from active where month_offset = 0
),

final as (
    select
        a.cohort_month,
        a.month_offset,
        s.cohort_size,
        a.active_users,
        a.active_users / s.cohort_size as retention_rate,
        case when a.month_offset = 1 then power(a.active_users / s.cohort_size, 12) end
            as annualised_retention_rate
    from active as a
    join sizes as s using (cohort_month)
)

select * from final
