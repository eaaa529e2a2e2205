{{ staging_by_day() }}
{#- Every export platform's per-content daily table, typed by its layout in the platform
    table: a header per column, counts through count_value, rates through rate_value.
    A column a platform's export lacks is null. -#}
{%- set counts = ['impressions', 'views', 'likes', 'comments', 'shares', 'saves', 'follows_gained'] -%}
{%- set layouts = export_layouts('content_daily') %}
with
{%- for platform, x in layouts %}
{{ platform }} as (
    select * from {{ source(platform, x.entity) }}
    where {{ in_run_window() }}
),

{{ platform }}_typed as (
    select
        {{- export_content(platform, x) }}
        {{- export_counts(x, counts) }}
        {% if 'avg_watch_seconds' in x.columns -%}
        cast(record ->> '{{ x.columns.avg_watch_seconds }}' as double)
        {%- else -%}
        cast(null as double)
        {%- endif %} as avg_watch_seconds,
        {% if 'completion_rate' in x.columns -%}
        {{ rate_value("record ->> '" ~ x.columns.completion_rate ~ "'") }}
        {%- else -%}
        cast(null as double)
        {%- endif %} as completion_rate,
        _ingested_at
    from {{ platform }}
    {{ latest_by("business_date, record ->> '" ~ x.content_id ~ "'") }}
),
{%- endfor %}

{{ union_typed(layouts) }}

select * from unioned
