{{ staging_by_day() }}
{#- Every export platform's per-content daily table, typed by its layout in the platform
    table: a header per column, counts through count_value, rates through rate_value.
    A column a platform's export lacks is null. -#}
{%- set counts = ['impressions', 'views', 'likes', 'comments', 'shares', 'saves', 'follows_gained'] -%}
{% call(x) export_content_model(export_layouts('content_daily')) -%}
        {{- export_counts(x, counts) }}
        {{ export_value(x, 'avg_watch_seconds') }} as avg_watch_seconds,
        {{ export_value(x, 'completion_rate') }} as completion_rate,
{%- endcall %}
