{#- Incremental models by business date (docs/requirements.md R-W3): a run with a window
    (a daily partition or a backfill range, see run_dates) deletes and rebuilds exactly its
    dates; a run without one rebuilds every date, and the first run builds everything.

    Each incremental model declares its window once, in its config:
        meta={'window': {'lookback': 30, 'lookahead': 30}}
    or names the model whose dates it rebuilds, meta={'window': 'kpi_account_daily'}.
    `lookahead` widens the rebuilt dates past the window's end for models whose day also
    depends on the days before (a snapshot difference, a 7-day baseline): a new day changes
    the next ones too. `lookback` widens what such a model reads before the window's start
    (`in_run_window(with_lookback=true)`). Both default to 0. The delete pre-hook, the
    filters and the tests (macros/test_window.sql) all read the declaration.
    Filtering on the raw or staging `business_date` column lets DuckDB skip row groups of
    other days, so a daily run reads one day, not the history. -#}
{#- The run's window, {'start': 'YYYY-MM-DD', 'end': ...} (inclusive), or none: the one-row
    table main.dbt_run_window that the orchestrator writes before dbt starts
    (orchestration.partitions.write_dbt_window) and the on-run-end hook drops. Read while
    executing only, never while parsing: the window then leaves dbt's saved parse alone,
    where a --vars window changes it and costs a full re-parse every run.
    The macros ask for it hundreds of times a command (a query each cost ~8 s a build at
    `small`) and it is fixed for the command: it is read once and kept in `graph`, the dict
    dbt shares across the nodes of one command. -#}
{% macro run_dates() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if 'socialmart_run_dates' not in graph -%}
        {%- set found = run_query(
            "select count(*) from duckdb_tables() where database_name = current_database()"
            " and schema_name = 'main' and table_name = 'dbt_run_window'") -%}
        {%- set rows = run_query(
            "select strftime(start_date, '%Y-%m-%d'), strftime(end_date, '%Y-%m-%d')"
            " from main.dbt_run_window").rows if found.columns[0].values()[0] else [] -%}
        {%- do graph.update({'socialmart_run_dates':
            {'start': rows[0][0], 'end': rows[0][1]} if rows else none}) -%}
    {%- endif -%}
    {{ return(graph['socialmart_run_dates']) }}
{%- endmacro %}

{% macro run_window_start(lookback=0) -%}
    cast('{{ run_dates().start }}' as date) - {{ lookback }}
{%- endmacro %}

{% macro run_window_end(lookahead=0) -%}
    cast('{{ run_dates().end }}' as date) + {{ lookahead }}
{%- endmacro %}

{#- The declared window of a model node (a graph node or the running model's config):
    {'lookback': n, 'lookahead': m}, 0 where not declared. -#}
{% macro window_of(meta) -%}
    {%- set declared = (meta or {}).get('window') or {} -%}
    {%- if declared is string -%}
        {#- the name of the model whose rebuilt dates this one rebuilds: declared there once -#}
        {{ return(run_window(of=declared)) }}
    {%- endif -%}
    {{ return({'lookback': declared.get('lookback', 0), 'lookahead': declared.get('lookahead', 0)}) }}
{%- endmacro %}

{#- The window of the model being built, or of the model named `of` (one that reads the
    dates another model rebuilt). -#}
{% macro run_window(of=none) -%}
    {%- if of is none -%}
        {{ return(window_of({'window': config.meta_get('window')})) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == of -%}
        {{ return(window_of(node.config.meta)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('run_window: no model named ' ~ of) }}
{%- endmacro %}

{#- is_incremental(), and false where there is no relation at all (a dbt unit test). -#}
{% macro building_on_previous() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{#- The dates the run rebuilds (its window and the lookahead). with_lookback=true: also
    the declared lookback's days before it, that the model reads; a number of days instead
    for a read that needs fewer. of: the dates that model rebuilt. -#}
{% macro in_run_window(column='business_date', with_lookback=false, of=none) -%}
    {%- set changed = changed_days() if of is none else none -%}
    {%- if changed is not none -%}
        {{ column }} in ({{ changed | map('tojson') | join(', ') | replace('"', "'") or 'null' }})
    {%- elif building_on_previous() and run_dates() -%}
        {%- set window = run_window(of) -%}
        {%- set lookback = window.lookback if with_lookback is sameas true else (with_lookback or 0) -%}
        {{ column }} between {{ run_window_start(lookback) }} and {{ run_window_end(window.lookahead) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- restated: a condition on the stored rows that the model rebuilds on every date each
    run (its SQL keeps the same rows), for rows whose inputs are restated whole daily. -#}
{% macro delete_run_window(column='business_date', restated=none) -%}
    {%- if building_on_previous() -%}
        delete from {{ this }} where {{ in_run_window(column) }}
            {%- if restated %} or ({{ restated }}){% endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- A join keeping the rows whose `column` (a date) the model being built holds none of
    (where `condition`, on its rows): after a delete_run_window pre-hook, the dates it
    deleted, including those of its `restated` condition. Nothing on a build from nothing. -#}
{% macro unbuilt_dates(column='business_date', condition='true') -%}
    {%- if building_on_previous() -%}
    anti join (
        select distinct {{ column }} from {{ this }} where {{ condition }}
    ) as built using ({{ column }})
    {%- endif -%}
{%- endmacro %}

{#- Staging of a per-day entity as a table: the run's days replaced, the rest kept. Raw
    replaces a day as a whole, so re-typing only the run's days gives the same rows as
    typing everything again. -#}
{% macro staging_by_day(column='business_date', keep_unchanged_days=false) -%}
    {{ config(materialized='incremental', incremental_strategy='append',
              pre_hook="{{ delete_run_window('" ~ column ~ "') }}") }}
    {%- if keep_unchanged_days -%}
        {%- do find_changed_days(column) -%}
    {%- endif -%}
{%- endmacro %}

{#- A snapshot fetched only for its own day (a follower, contact or member list is "now")
    is never landed again for the look-back days a daily run rebuilds: staging it again
    types the same rows. staging_by_day(keep_unchanged_days=true) restages only the
    window's days whose raw landed after the rows staged for them (or that have no staged
    rows, or no raw rows any more); in_run_window() of that model, in its SQL and in its
    delete pre-hook, is then those days. A load replaces its day in raw whole, so a day's
    newest _ingested_at tells whether it was landed again. The staged day is the raw
    business_date (`column` in the model). Kept in `graph` for the command: the SQL and
    the pre-hook must see the same days. -#}
{% macro find_changed_days(column) -%}
    {%- if not (execute and building_on_previous() and run_dates()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = graph.get('socialmart_changed_days') -%}
    {%- if found is none -%}
        {%- do graph.update({'socialmart_changed_days': {}}) -%}
        {%- set found = graph['socialmart_changed_days'] -%}
    {%- endif -%}
    {%- set key = this | string -%}
    {%- if key not in found -%}
        {%- set between = 'between ' ~ run_window_start() ~ ' and ' ~ run_window_end() -%}
        {%- set query -%}
            with landed as (
                {%- for s in model.sources %}
                select business_date as day, max(_ingested_at) as loaded
                from {{ source(s[0], s[1]) }} where business_date {{ between }} group by 1
                {%- if not loop.last %} union all{% endif %}
                {%- endfor %}
            ),
            staged as (
                select {{ column }} as day, max(_ingested_at) as loaded
                from {{ this }} where {{ column }} {{ between }} group by 1
            )
            select strftime(day, '%Y-%m-%d')
            from (select day, max(loaded) as loaded from landed group by 1) as l
            full join staged as s using (day)
            where l.loaded is null or s.loaded is null or l.loaded > s.loaded
            order by 1
        {%- endset -%}
        {%- do found.update({key: run_query(query).columns[0].values() | list}) -%}
    {%- endif -%}
    {{ return(found[key]) }}
{%- endmacro %}

{#- The days find_changed_days found for the model being built, none when it did not look. -#}
{% macro changed_days() -%}
    {%- if execute and this is not none -%}
        {{ return(changed_days_of(this)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The days find_changed_days found for `relation` in this command (its tests read them
    after its build), none when its build did not look. -#}
{% macro changed_days_of(relation) -%}
    {{ return((graph.get('socialmart_changed_days') or {}).get(relation | string)) }}
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

{#- The incremental model node that builds `relation`, none when no incremental model
    builds it: what the tests of a windowed run read of it is in its config. -#}
{% macro incremental_node(relation) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.alias == relation.identifier
                and node.schema == relation.schema
                and node.config.materialized == 'incremental' -%}
                {{ return(node) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The declared window of the incremental model that builds a relation, none when no
    incremental model builds it (tests use it to check the dates a run rebuilt). -#}
{% macro incremental_window(relation) -%}
    {%- set node = incremental_node(relation) -%}
    {{ return(window_of(node.config.meta) if node else none) }}
{%- endmacro %}
