{#- Roll kpi_account_daily up to a scope (account, platform, matrix) and a period (day, ISO
    week, month) (docs/requirements.md R-K6). Counts are summed; followers are taken at the period's ends;
    every rate is re-derived from the summed parts with the formulas of macros/kpi_rates.sql,
    never averaged. The matrix's weeks and months sum the accounts' own (kpi_account_weekly,
    kpi_account_monthly), which hold the same sums and ends.
    on_the_day=true (a model configured by rollup_on_the_day): a run reads and writes only
    the periods holding a date kpi_account_daily rebuilt; a period's rows depend on its own
    days alone. -#}
{% macro kpi_rollup(scope, period, on_the_day=false) %}
{%- set scope_cols = {'account': ['account_key', 'platform', 'account_id'], 'platform': ['platform'], 'matrix': []}[scope] -%}
{%- set period_col = period_column(period) -%}
{%- set sums = ['posts', 'impressions', 'views', 'likes', 'comments', 'shares', 'saves', 'interactions', 'views_with_impressions', 'completed_views', 'views_with_completions', 'net_new_followers', 'gross_new_followers', 'paid_new_followers', 'organic_new_followers', 'unfollows', 'orders', 'gmv_yuan', 'ad_content_gmv_yuan', 'ad_spend_yuan'] -%}
with account_daily as (
    select * from {{ ref('kpi_account_daily') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

-- one row per account and period: its sums and its followers at both ends
{%- if scope == 'matrix' and period != 'day' %}
-- the accounts' own roll-up of the period, whose rows are these (every period's: the
-- matrix's are built whole), rather than every account-day grouped again
per_account as (
    select
        account_key,
        platform,
        account_id,
        period_start,
        days_in_period,
        {% for m in sums %}
        {{ m }},
        {% endfor %}
        followers_total as followers_end,
        -- null where followers_end is: rolled sums it under that condition anyway
        followers_at_start as followers_start,
        period_end
    from {{ ref('kpi_account_' ~ {'week': 'weekly', 'month': 'monthly'}[period]) }}
),
{%- elif period == 'day' %}
-- a day is kpi_account_daily's own grain: its rows as they are, without grouping them
-- again (at `large`, the matrix's 730K account-days: 0.14 s against 0.64 s)
per_account as (
    select
        a.account_key,
        a.platform,
        a.account_id,
        a.business_date as period_start,
        1 as days_in_period,
        {% for m in sums %}
        a.{{ m }},
        {% endfor %}
        a.followers_total as followers_end,
        a.followers_1d_ago as followers_start,
        a.followers_total - a.followers_7d_ago as followers_gain_7d,
        case when a.followers_total is not null then a.followers_7d_ago end as followers_7d_ago,
        a.followers_total - a.followers_30d_ago as followers_gain_30d,
        case when a.followers_total is not null then a.followers_30d_ago end as followers_30d_ago,
        a.business_date as period_end
    from account_daily as a
    {%- if on_the_day %}
    where a.business_date in ({{ rollup_periods(period) }})
    {%- else %}
    semi join dates as d using (business_date)
    {%- endif %}
),
{%- else %}
per_account as (
    select
        a.account_key,
        a.platform,
        a.account_id,
        d.{{ period_col }} as period_start,
        count(*) as days_in_period,
        {% for m in sums %}
        sum(a.{{ m }}) as {{ m }},
        {% endfor %}
        arg_max(a.followers_total, a.business_date) filter (where a.followers_total is not null)
            as followers_end,
        arg_min(a.followers_1d_ago, a.business_date) filter (where a.followers_1d_ago is not null)
            as followers_start,
        max(a.business_date) as period_end
    from account_daily as a
    join dates as d using (business_date)
    {%- if on_the_day %}
    where d.{{ period_col }} in ({{ rollup_periods(period) }})
    {%- endif %}
    group by all
),
{%- endif %}

rolled as (
    select
        {% for c in scope_cols %}{{ c }},
        {% endfor %}
        period_start,
        max(days_in_period) as days_in_period,
        count(distinct account_key) as accounts,
        {% for m in sums %}
        sum({{ m }}) as {{ m }},
        {% endfor %}
        sum(followers_end) as followers_total,
        sum(followers_start) filter (where followers_end is not null) as followers_at_start,
        sum(followers_end - followers_start) as followers_gain,
        {% if period == 'day' %}
        sum(followers_gain_7d) as followers_gain_7d,
        sum(followers_7d_ago) filter (where followers_gain_7d is not null) as followers_7d_ago,
        sum(followers_gain_30d) as followers_gain_30d,
        sum(followers_30d_ago) filter (where followers_gain_30d is not null) as followers_30d_ago,
        {% endif %}
        max(period_end) as period_end
    from per_account
    group by all
),

final as (
    select
        {% for c in scope_cols %}{{ c }},
        {% endfor %}
        period_start{% if period == 'day' %} as business_date{% endif %},
        {% if period != 'day' %}period_end, {% endif %}
        days_in_period,
        accounts,
        {% for m in sums %}
        {{ m }},
        {% endfor %}
        {{ engagement_rate() }} as engagement_rate,
        {{ fan_engagement_rate() }} as fan_engagement_rate,
        {{ share_rate() }} as share_rate,
        {{ ctr() }} as ctr,
        {{ completion_rate() }} as completion_rate,
        followers_total,
        followers_at_start,
        {{ follower_growth_rate('followers_at_start', gain='followers_gain') }} as follower_growth_rate,
        {% if period == 'day' %}
        {{ follower_growth_rate('followers_7d_ago', gain='followers_gain_7d') }} as follower_growth_rate_7d,
        {{ follower_growth_rate('followers_30d_ago', gain='followers_gain_30d') }} as follower_growth_rate_30d,
        {% endif %}
        {{ unfollow_rate('followers_at_start') }} as unfollow_rate,
        {{ organic_follower_share() }} as organic_follower_share,
        {{ posts_per_week() }} as posts_per_week,
        {{ aov_yuan() }} as aov_yuan,
        {{ roi() }} as roi,
        {{ roi_label() }} as roi_label
    from rolled
)
{% endmacro %}

{#- The matrix's revenue beyond its accounts' (docs/requirements.md R-K3): shop orders that
    fct_orders attributes to no content and no live session belong to no account, so only
    the matrix has them. Adds unattributed_orders, unattributed_gmv_yuan, total_gmv_yuan and
    ROI both ways to the roll-up `rolled` (a kpi_rollup('matrix', period) result): roi on all
    revenue (revenue / spend), attributed_roi on the accounts' GMV. Defines `with_revenue`. -#}
{% macro matrix_revenue(rolled, period) %}
{%- set period_col = period_column(period) -%}
{%- set key = 'business_date' if period == 'day' else 'period_start' -%}
unattributed_orders as (
    select d.{{ period_col }} as {{ key }}, count(*) as orders, sum(o.amount_yuan) as gmv_yuan
    from {{ ref('fct_orders') }} as o
    join {{ ref('dim_date') }} as d using (business_date)
    where o.attribution = 'unattributed'
    group by all
),

with_revenue as (
    select
        r.* exclude (roi, roi_label),
        {{ roi('r.gmv_yuan + coalesce(u.gmv_yuan, 0)', 'r.ad_spend_yuan') }} as roi,
        {{ roi_label('r.gmv_yuan + coalesce(u.gmv_yuan, 0)', 'r.ad_spend_yuan') }} as roi_label,
        {{ roi('r.gmv_yuan', 'r.ad_spend_yuan') }} as attributed_roi,
        coalesce(u.orders, 0) as unattributed_orders,
        coalesce(u.gmv_yuan, 0) as unattributed_gmv_yuan,
        r.gmv_yuan + coalesce(u.gmv_yuan, 0) as total_gmv_yuan
    from {{ rolled }} as r
    left join unattributed_orders as u using ({{ key }})
)
{% endmacro %}

{#- The periods (their first day) holding a date kpi_account_daily rebuilt in this run: every
    period without a window. -#}
{% macro rollup_periods(period) -%}
    {%- set period_col = period_column(period) -%}
    select {{ period_col }} from {{ ref('dim_date') }}
    where {{ in_run_window(of='kpi_account_daily') }}
{%- endmacro %}

{#- The config of a roll-up built on the day (kpi_rollup on_the_day=true): its periods that
    hold a rebuilt date are deleted, then written again. -#}
{% macro rollup_on_the_day(period) -%}
    {{ config(materialized='incremental', incremental_strategy='append',
              pre_hook="{{ delete_rollup_periods('" ~ period ~ "') }}") }}
{%- endmacro %}

{% macro delete_rollup_periods(period) -%}
    {%- if building_on_previous() -%}
        delete from {{ this }}
        where {{ 'business_date' if period == 'day' else 'period_start' }} in ({{ rollup_periods(period) }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The dim_date column naming a period by its first day. -#}
{% macro period_column(period) -%}
    {{ return({'day': 'business_date', 'week': 'week_start', 'month': 'month_start'}[period]) }}
{%- endmacro %}
