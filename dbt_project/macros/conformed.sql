{#- The conformed per-content daily columns (see the seed platform_metric_mapping) and their
    types. A platform's branch of int_content_daily names the columns it reports; the rest
    are null. -#}
{% macro content_metric_columns() -%}
    {{ return([
        ('impressions', 'bigint'), ('views', 'bigint'), ('likes', 'bigint'),
        ('comments', 'bigint'), ('shares', 'bigint'), ('saves', 'bigint'), ('coins', 'bigint'),
        ('danmaku', 'bigint'), ('completed_views', 'bigint'), ('avg_watch_seconds', 'double'),
        ('follows_gained', 'bigint'),
    ]) }}
{%- endmacro %}

{#- `reported`: column → expression (or the column itself when the expression is ''). -#}
{% macro select_conformed_content(relation, reported) %}
    select
        platform,
        content_id,
        account_id,
        business_date,
        {% for column, type in content_metric_columns() %}
        {%- if column in reported -%}
        cast({{ reported[column] or column }} as {{ type }})
        {%- else -%}
        cast(null as {{ type }})
        {%- endif %} as {{ column }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ relation }}
{% endmacro %}
