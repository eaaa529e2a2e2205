{#- Incremental models by business date (docs/requirements.md R-W3): a run with the start_date/end_date vars
    (a daily partition or a backfill range) deletes and rebuilds exactly its dates; a run
    without them rebuilds every date, and the first run builds everything.

    `lookahead` widens the rebuilt dates past the window's end for models whose day also
    depends on the day before (a snapshot difference, a 7-day baseline): a new day changes
    the next ones too. `lookback` widens what such a model reads before the window's start.
    Filtering on the raw or staging `business_date` column lets DuckDB skip row groups of
    other days, so a daily run reads one day, not the history. -#}
{% macro run_window_start(lookback=0) -%}
    cast('{{ var("start_date") }}' as date) - {{ lookback }}
{%- endmacro %}

{% macro run_window_end(lookahead=0) -%}
    cast('{{ var("end_date") }}' as date) + {{ lookahead }}
{%- endmacro %}

{#- is_incremental(), and false where there is no relation at all (a dbt unit test). -#}
{% macro building_on_previous() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{% macro in_run_window(column='business_date', lookback=0, lookahead=0) -%}
    {%- if building_on_previous() and var('start_date') -%}
        {{ column }} between {{ run_window_start(lookback) }} and {{ run_window_end(lookahead) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_run_window(column='business_date', lookahead=0) -%}
    {%- if building_on_previous() -%}
        delete from {{ this }} where {{ in_run_window(column, 0, lookahead) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Staging of a per-day entity as a table: the run's days replaced, the rest kept. Raw
    replaces a day as a whole, so re-typing only the run's days gives the same rows as
    typing everything again. -#}
{% macro staging_by_day(column='business_date') -%}
    {{ config(materialized='incremental', incremental_strategy='append',
              pre_hook="{{ delete_run_window('" ~ column ~ "') }}") }}
{%- endmacro %}

{#- Staging of a listing (one row per content, its attributes as last listed) as a table:
    a run types only its days' listings and keeps, per content, the latest of those and
    the row it already had, so a backfill of old days never replaces a newer listing.
    `renamed` is the CTE of typed rows (with _ingested_at and _source); defines `final`. -#}
{% macro latest_listing(renamed, key='content_id') %}
candidates as (
    select * from {{ renamed }}
    {% if building_on_previous() %}
    union all by name
    select *, '' as _source from {{ this }}
    where {{ key }} in (select {{ key }} from {{ renamed }})
    {% endif %}
),

final as (
    select * exclude (_source)
    from candidates
    qualify row_number() over (
        partition by {{ key }} order by _ingested_at desc, _source desc
    ) = 1
)
{% endmacro %}

{#- Whether a relation is built by an incremental model (tests use it to check the run's
    dates only). -#}
{% macro is_incremental_relation(relation) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.alias == relation.identifier
                and node.schema == relation.schema
                and node.config.materialized == 'incremental' -%}
                {{ return(true) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}
