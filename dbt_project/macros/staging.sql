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

{#- The typed count of each of `columns` that the layout `x` has a header for, null for the
    rest (a column a platform's export lacks). -#}
{% macro export_counts(x, columns) -%}
    {%- for column in columns %}
        {% if column in x.columns -%}
        {{ count_value("record ->> '" ~ x.columns[column] ~ "'") }}
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as {{ column }},
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

{#- One row per `keys` of `relation`: the rows of an item's parts (an export in several
    workbooks, e.g. XHS 基础数据 and 互动数据, each landed with its 数据表) merged, each
    column from the latest part that has it; an item in one part is its row unchanged. -#}
{% macro merged_parts(relation, keys) -%}
    select
        {{ keys | join(', ') }},
        arg_max(columns(* exclude ({{ keys | join(', ') }}, _ingested_at)), _ingested_at),
        max(_ingested_at) as _ingested_at
    from {{ relation }}
    group by {{ keys | join(', ') }}
{%- endmacro %}

{#- The partition of `latest_by` for an export's rows: `keys` and the part (数据表) a row
    came from, so that parts are merged by `merged_parts`, not dropped as old versions. -#}
{% macro export_version(keys) -%}
    {{ latest_by(keys ~ ", coalesce(record ->> '数据表', '')") }}
{%- endmacro %}
