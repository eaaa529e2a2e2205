{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_run_window(restated=kpi_status_restated()) }}",
    meta={'window': 'kpi_account_daily', 'written_by': 'updated_at'},
) }}
{#- One row per KPI with a target, scope (account / platform / matrix), scope key and
    business date: the value, the target valid that day, and the status (docs/requirements.md
    R-K8; macros/kpi_status.sql):
      green  = the target is met
      amber  = missed by no more than amber_band of the target (relative)
      red    = missed by more
      no_data = the value is unknown that day
    annualised_retention_rate (matrix) is, as of each day, the size-weighted month-1
    retention of every cohort whose first month had ended by that day, compounded over
    twelve months: a month in progress is not counted, so a new month leaves a past day's
    value alone (one value over every cohort moved every day's status each day); a merge
    still restates it, as it does the matrix's other people KPIs (docs/kpis.md).
    Incremental: a run writes the account and platform statuses of the dates
    kpi_account_daily and kpi_platform_daily rebuilt (their window: the run's dates and the
    30 days after) and of any date it holds none of, and the matrix's of every date;
    everything when the targets changed (kpi_status_restated). updated_at stamps the rows a
    build wrote (the publish rewrites those dates alone, without hashing the table). -#}
with targets as (
    select * from {{ ref('kpi_targets') }}
),

account_daily as (
    select * from {{ ref('kpi_account_daily') }}
    {{ unbuilt_dates(condition="scope = 'account'") }}
),

platform_daily as (
    select * from {{ ref('kpi_platform_daily') }}
    {{ unbuilt_dates(condition="scope = 'platform'") }}
),

matrix_daily as (
    select * from {{ ref('kpi_matrix_daily') }}
),

cohorts as (
    select * from {{ ref('kpi_retention_cohorts') }}
),

retention as (
    select
        d.business_date,
        power(sum(c.active_users) / sum(c.cohort_size), 12) as annualised_retention_rate
    from (select distinct business_date from matrix_daily) as d
    join cohorts as c
        -- month 1 is the month after the cohort's: ended once its last day has come
        on c.month_offset = 1 and c.cohort_month + interval 2 month <= d.business_date + 1
    group by d.business_date
),

account_values as (
    select scope_key, business_date, kpi, value
    from (
        select account_key as scope_key, business_date, follower_growth_rate_30d,
            engagement_rate, completion_rate, fan_engagement_rate
        from account_daily
    ) unpivot include nulls (
        value for kpi in (
            follower_growth_rate_30d, engagement_rate, completion_rate, fan_engagement_rate
        )
    )
),

platform_values as (
    select scope_key, business_date, kpi, value
    from (
        select platform as scope_key, business_date, organic_follower_share
        from platform_daily
    ) unpivot include nulls (value for kpi in (organic_follower_share))
),

matrix_values as (
    select scope_key, business_date, kpi, value
    from (
        select
            'matrix' as scope_key,
            business_date,
            private_domain_conversion_rate,
            cast(platforms_for_70pct_traffic as double) as platforms_for_70pct_traffic,
            monetisation_share,
            roi,
            data_coverage,
            r.annualised_retention_rate
        from matrix_daily
        left join retention as r using (business_date)
    ) unpivot include nulls (
        value for kpi in (
            private_domain_conversion_rate, platforms_for_70pct_traffic, monetisation_share,
            roi, data_coverage, annualised_retention_rate
        )
    )
),

kpi_values as (
    select 'account' as scope, scope_key, business_date, kpi, value from account_values
    union all
    select 'platform', scope_key, business_date, kpi, value from platform_values
    union all
    select 'matrix', scope_key, business_date, kpi, value from matrix_values
),

-- every scope key and day a KPI has a target for, known or not
expected as (
    select t.kpi, t.scope, k.scope_key, k.business_date
    from targets as t
    join (select distinct scope, scope_key, business_date from kpi_values) as k
        using (scope)
    where k.business_date >= t.valid_from
        and (t.valid_to is null or k.business_date < t.valid_to)
),

final as (
    select
        e.kpi,
        t.kpi_name,
        e.scope,
        e.scope_key,
        e.business_date,
        v.value,
        t.comparator,
        t.target_value,
        {{ kpi_status_of('v.value', 't.comparator', 't.target_value', 't.amber_band') }}
            as status,
        current_timestamp as updated_at
    from expected as e
    join targets as t
        on t.kpi = e.kpi and t.scope = e.scope
        and e.business_date >= t.valid_from
        and (t.valid_to is null or e.business_date < t.valid_to)
    left join kpi_values as v
        on v.kpi = e.kpi and v.scope = e.scope and v.scope_key = e.scope_key
        and v.business_date = e.business_date
)

select * from final
