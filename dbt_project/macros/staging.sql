{#- The two shapes an API platform's staging model takes. The model names its source entity
    and maps the raw JSON onto typed columns (`columns`: column → SQL expression over
    `record`, in the order the model's columns have); these macros add what every model of
    the shape does the same way: the platform column, the run window, the lineage columns
    and the choice of the latest load. -#}

{#- A listing (contents, comments): one row per `key`, its attributes as last listed (see
    latest_listing). `key` is a column or a list of columns that together identify a row. -#}
{% macro stage_listing(platform, entity, columns, key='content_id') %}
{%- set keys = [key] if key is string else key -%}
{{ config(materialized='incremental', unique_key=key, incremental_strategy='delete+insert') }}
with {{ renamed_source(platform, entity, columns, lineage='_ingested_at, _source') }},

{{ latest_listing('renamed', key=keys | join(" || '/' || ")) }}

select * from final
{% endmacro %}

{#- Numbers of a day: one row per `key` columns (business_date among them), the latest load
    of that day. The model chooses its materialization (staging_by_day() where the entity is
    large enough to rebuild by day). -#}
{% macro stage_daily(platform, entity, columns, key) %}
{%- set partition = [] -%}
{%- for column in key -%}
    {%- do partition.append(columns[column]) -%}
{%- endfor -%}
with {{ renamed_source(platform, entity, columns, lineage='_ingested_at',
                       latest=latest_by(partition | join(', '))) }}

select * from renamed
{% endmacro %}

{#- The CTEs `source` (the run's days of the raw table) and `renamed` (the typed columns,
    then `lineage`), `latest` filtering the loads. -#}
{% macro renamed_source(platform, entity, columns, lineage, latest='') -%}
source as (
    select * from {{ source(platform, entity) }}
    where {{ in_run_window() }}
),

renamed as (
    select
        '{{ platform }}' as platform,
        {%- for column, expression in columns.items() %}
        {{ expression }}{{ ' as ' ~ column if expression != column }},
        {%- endfor %}
        {{ lineage }}
    from source
    {{ latest }}
)
{%- endmacro %}

{#- The export platforms' staging (stg_exports__*): one `<platform>_typed` CTE per layout. -#}

{#- A per-content export staging model: one `<platform>_typed` CTE per layout of
    `layouts`, the latest load of each content and day, with the columns naming the
    content (export_content), then those the caller gives for the layout `x`, then the
    union of them all. -#}
{% macro export_content_model(layouts) %}
with
{%- for platform, x in layouts %}
{{ platform }} as (
    select * from {{ source(platform, x.entity) }}
    where {{ in_run_window() }}
),

{{ platform }}_typed as (
    select
        {{- export_content(platform, x) }}
        {{- caller(x) }}
        _ingested_at
    from {{ platform }}
    {{ latest_by("business_date, record ->> '" ~ x.content_id ~ "'") }}
),
{%- endfor %}

{{ union_typed(layouts) }}

select * from unioned
{% endmacro %}

{#- The typed value of a layout's rate (completion_rate) or seconds (avg_watch_seconds)
    column; null when the platform's export lacks it. -#}
{% macro export_value(x, column) -%}
    {%- if column not in x.columns -%}
        cast(null as double)
    {%- elif column == 'completion_rate' -%}
        {{ rate_value("record ->> '" ~ x.columns[column] ~ "'") }}
    {%- else -%}
        cast(record ->> '{{ x.columns[column] }}' as double)
    {%- endif -%}
{%- endmacro %}

{#- The columns naming a content row of the layout `x`: platform, content, account, day,
    title, form and publish time. Export times are Beijing wall-clock times without an
    offset ("2026-11-20 08:00" or "2026/11/20 08:00"). -#}
{% macro export_content(platform, x) %}
        '{{ platform }}' as platform,
        record ->> '{{ x.content_id }}' as content_id,
        record ->> '{{ x.account }}' as account_id,
        business_date,
        record ->> '{{ x.title }}' as title,
        {% if x.form -%}
        '{{ x.form }}'
        {%- else -%}
        case record ->> '{{ x.form_column }}'
            {%- for shown, form in x.forms.items() %} when '{{ shown }}' then '{{ form }}'{% endfor %} end
        {%- endif %} as content_form,
        cast(replace(record ->> '{{ x.published_at }}', '/', '-') as timestamp) at time zone 'Asia/Shanghai'
            as published_at,
{%- endmacro %}

{#- The typed count of each of `columns` that the layout `x` has a header for, null for the
    rest (a column a platform's export lacks), named <column><suffix>. -#}
{% macro export_counts(x, columns, suffix='') -%}
    {%- for column in columns %}
        {% if column in x.columns -%}
        {{ count_value("record ->> '" ~ x.columns[column] ~ "'") }}
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as {{ column }}{{ suffix }},
    {%- endfor %}
{%- endmacro %}

{#- The CTE `unioned`: every platform's typed CTE, one after the other. -#}
{% macro union_typed(layouts) -%}
unioned as (
    {%- for platform, x in layouts %}
    select * from {{ platform }}_typed
    {%- if not loop.last %}
    union all{% endif %}
    {%- endfor %}
)
{%- endmacro %}
