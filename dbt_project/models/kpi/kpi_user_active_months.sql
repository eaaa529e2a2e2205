{{ config(
    materialized='incremental',
    schema='intermediate',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ written_since_pre_hook(active_months_since(), 'unified_user_id in (' ~ active_months_touched() ~ ')') }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per person with an interaction or an order: the months they were active in,
    for kpi_retention_cohorts. Months are numbered from year 0 (the macro month_number);
    first_month and last_month bound them, and month_bits
    holds each active month as bit month_number % 128 (within a span of fewer than 128
    months a bit names one month; a longer span is counted month by month by
    kpi_retention_cohorts).

    A kpi-layer table kept in the intermediate schema: it reads kpi_user_segments, and the
    kpi schema is published whole.

    Incremental (active_months_since, macros/written_since.sql): a run recomputes, from all
    their interactions and orders, only the people whose months can have moved since this
    table's newest updated_at, and the pre-hook first removes their rows
    (active_months_touched):
      - their interactions or orders were written since (new, or moved to them by a merge);
      - an identifier moved to or from them (int_identity__unified_ids, both ids): a person
        a merge took away has no activity left, so no row;
      - their kpi_user_segments row was written since: a cancelled order leaves fct_orders
        without a stamp, and kpi_user_segments rewrites the buyer whose orders it changed.
    Everyone is computed when any of the three tables was built again from nothing. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
{%- set since = active_months_since() %}
with interactions as (
    select unified_user_id, business_date from {{ ref('fct_user_interactions') }}
),

orders as (
    select unified_user_id, business_date from {{ ref('fct_orders') }}
),

{% if since %}
people as (
    {{ active_months_touched() }}
),

activity_rows as (
    select * from interactions semi join people using (unified_user_id)
    union all
    select * from orders semi join people using (unified_user_id)
),
{% else %}
activity_rows as (
    select * from interactions
    union all
    select * from orders
),
{% endif %}

activity as (
    select unified_user_id, {{ month_number('business_date') }} as month_number
    from activity_rows
    where unified_user_id is not null
),

-- one row per person in one pass, without a row per person-month (at `large` half the
-- time of the distinct person-months and a window over them)
months as (
    select
        unified_user_id,
        min(month_number) as first_month,
        max(month_number) as last_month,
        bit_or(cast(1 as uhugeint) << cast(month_number % 128 as uhugeint)) as month_bits
    from activity
    group by all
),

stamped as (
    select *, current_timestamp as updated_at
    from months
)

select * from stamped
