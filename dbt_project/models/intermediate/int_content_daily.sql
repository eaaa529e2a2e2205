{{ config(materialized='view') }}
-- Every platform's per-content daily numbers in the conformed columns, one branch per
-- platform of the platform table (its content_daily feed and the columns its metric
-- mapping reports; the rest are null). An expression stands where the conformed value is
-- computed: the exports give 完播率 as a rate, completed views = views × rate.
-- A view, not a table: fct_content_daily is the one stored copy of the content-days.
-- Its readers filter by business date (fct_content_daily its run's dates, the GX gate its
-- window), and the filter reaches every platform's staging through the union. As a table
-- it was a second 55M-row copy at `large` (31.9 s of node time from nothing).
{%- set platforms = social_platforms() | selectattr('content_daily', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }} as (
    select * from {{ ref(p.content_daily.model) }}
    where platform = '{{ p.key }}'
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
