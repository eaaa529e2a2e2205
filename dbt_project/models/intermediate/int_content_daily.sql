{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}",
          meta={'window': {'lookahead': 1}}) }}
-- Every platform's per-content daily numbers in the conformed columns, one branch per
-- platform of the platform table (its content_daily feed and the columns its metric
-- mapping reports; the rest are null). An expression stands where the conformed value is
-- computed: the exports give 完播率 as a rate, completed views = views × rate.
-- Incremental: a run rebuilds its dates and the day after (a snapshot platform's day is the
-- difference with the day before).
{%- set platforms = social_platforms() | selectattr('content_daily', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }} as (
    select * from {{ ref(p.content_daily.model) }}
    where platform = '{{ p.key }}' and {{ in_run_window() }}
),
{%- endfor %}

unioned as (
    {%- for p in platforms %}
    {{ select_conformed_content(p.key, p.content_daily.columns) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
