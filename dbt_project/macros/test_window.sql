{#- Tests of an incremental model keyed by business_date look at the rows a run rebuilt:
    with a window (a daily partition, a backfill), not_null, accepted_values and
    relationships check its dates and the days after that the model's declared lookahead
    rebuilds (macros/incremental.sql); the other dates are as the runs that wrote them left
    them, already tested. A model that marks the rows each build writes (meta `written_by`,
    written_rows) has those rows checked instead: it writes rows of any date. A run without
    a window, and every uniqueness test, still reads the whole table. dbt calls this macro
    to apply a test's `where` config; it keeps that too. -#}
{% macro get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set test_name = model.get('test_metadata', {}).get('name') -%}
    {%- if execute and run_dates() and test_name in ('not_null', 'accepted_values', 'relationships') -%}
        {%- set written = written_rows(relation) -%}
        {%- set window = incremental_window(relation) if not written else none -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list if window else [] -%}
        {%- if written -%}
            {%- do filters.append('(' ~ written ~ ')') -%}
        {%- elif 'business_date' in columns -%}
            {%- do filters.append(rebuilt_dates_filter(window)) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if filters -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The business dates a run rebuilt in a model of this window. -#}
{% macro rebuilt_dates_filter(window, column='business_date') -%}
    {{ column }} between {{ run_window_start() }} and {{ run_window_end(window.lookahead) }}
{%- endmacro %}

{#- The rows of `relation` that the latest build wrote, as SQL over it, when the
    incremental model that builds it numbers its builds: meta `written_by` names the
    column holding the build's number (every row a build writes carries it, and numbers
    only grow). None for any other relation. -#}
{% macro written_rows(relation) -%}
    {%- set node = incremental_node(relation) -%}
    {%- if node and node.config.meta.get('written_by') -%}
        {%- set column = node.config.meta.written_by -%}
        {{ return(column ~ ' = (select max(' ~ column ~ ') from ' ~ relation ~ ')') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- Whether the incremental model that builds `relation` is a delete+insert keyed by exactly
    `columns`: the rows of a key its latest build wrote are then all that build's (the
    delete took the older ones), so such a key can repeat only among the written rows. -#}
{% macro replaced_by_key(relation, columns) -%}
    {%- set node = incremental_node(relation) -%}
    {%- if node and node.config.incremental_strategy == 'delete+insert' -%}
        {%- set key = node.config.unique_key -%}
        {%- set key = [key] if key is string else key -%}
        {{ return((key or []) | sort == columns | sort) }}
    {%- endif -%}
    {{ return(false) }}
{%- endmacro %}
