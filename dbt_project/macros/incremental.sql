{#- Incremental facts by business date (SPEC R-W3): a run with the start_date/end_date vars
    (a daily partition or a backfill range) deletes and rebuilds exactly those dates; a run
    without them rebuilds every date, and the first run builds everything. -#}
{% macro in_run_window(column='business_date') -%}
    {%- if is_incremental() and var('start_date') -%}
        {{ column }} between cast('{{ var("start_date") }}' as date) and cast('{{ var("end_date") }}' as date)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_run_window(column='business_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_run_window(column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
