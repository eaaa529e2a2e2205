{#- One row per calendar day from the first to the last business date of any fact, with
    the ISO week and month the roll-ups group by. -#}
with account_daily as (
    select business_date from {{ ref('fct_account_daily') }}
),

content_daily as (
    select business_date from {{ ref('fct_content_daily') }}
),

bounds as (
    select min(business_date) as first_date, max(business_date) as last_date
    from (select * from account_daily union all select * from content_daily)
),

days as (
    select cast(unnest(generate_series(first_date, last_date, interval 1 day)) as date)
        as business_date
    from bounds
),

final as (
    select
        business_date,
        isoyear(business_date) as iso_year,
        week(business_date) as iso_week,
        cast(date_trunc('week', business_date) as date) as week_start,
        cast(date_trunc('month', business_date) as date) as month_start,
        isodow(business_date) as iso_day_of_week,
        isodow(business_date) >= 6 as is_weekend
    from days
)

select * from final
