{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}",
          meta={'window': {'lookback': 1, 'lookahead': 1}}) }}
{#- The platforms that serve lifetime totals only (their content_daily feed in the platform
    table has <metric>_total columns: Kuaishou, Bilibili, Weibo): a day's numbers are that
    day's snapshot minus the previous day's (see the daily_from_snapshots macro). One row
    per platform, content and business date; a metric a platform does not serve is null. -#}
{%- set platforms = social_platforms() | selectattr('snapshots', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }}_snapshots as (
    -- the window's snapshots and the one before it
    select * from {{ ref(p.snapshots.model) }}
    where {{ in_run_window(with_lookback=true) }}
),

{{ p.key }}_contents as (
    select content_id, published_at from {{ ref(p.contents) }}
),

{{ daily_from_snapshots(p.key, p.key ~ '_snapshots', p.key ~ '_contents', p.snapshots.metrics, prefix=p.key ~ '_') }},
{%- endfor %}

unioned as (
    {%- for p in platforms %}
    select * from {{ p.key }}_final
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
)

{%- set served = [] %}
{%- for p in platforms %}{% for m in p.snapshots.metrics if m not in served %}{% do served.append(m) %}{% endfor %}{% endfor %}

select platform, content_id, account_id, business_date, {{ served | join(', ') }}
from unioned
where {{ in_run_window() }}
