{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}",
          meta={'window': {'lookback': 1, 'lookahead': 1}}) }}
{#- The platforms that serve lifetime totals only (their content_daily feed in the platform
    table has <metric>_total columns: Kuaishou, Bilibili, Weibo, and the cumulative export
    lists of 视频号 and 知乎): a day's numbers are that
    day's snapshot minus the previous day's (see the daily_from_snapshots macro). One row
    per platform, content and business date; a metric a platform does not serve is null. -#}
{%- set platforms = social_platforms() | selectattr('snapshots', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }}_snapshots as (
    -- the window's snapshots and the one before it (the export lists share one model)
    select * from {{ ref(p.snapshots.model) }}
    where platform = '{{ p.key }}' and {{ in_run_window(with_lookback=true) }}
),

{{ p.key }}_contents as (
    -- one row per content (an export's listing repeats it on every snapshot day); on the
    -- day, only the contents of the window's snapshots, not the whole history's
    select content_id, min(published_at) as published_at
    from {{ ref(p.contents) }}
    where platform = '{{ p.key }}'
    {%- if building_on_previous() and run_dates() %}
        and content_id in (select content_id from {{ p.key }}_snapshots)
    {%- endif %}
    group by content_id
),

{{ daily_from_snapshots(p.key, p.key ~ '_snapshots', p.key ~ '_contents', p.snapshots.metrics,
                        prefix=p.key ~ '_', decreases=p.snapshots.get('decreases', 'keep')) }},
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
