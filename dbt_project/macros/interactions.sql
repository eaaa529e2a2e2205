{#- fct_user_interactions on the day: the newest updated_at of its rows, as
    'YYYY-MM-DD HH:MM:SS.ffffff+00', when the run can build on it; none when it writes every
    row (a first build, a full refresh, or int_user_interactions built again from nothing
    since: its oldest written_at is newer). Kept in `graph` for the command: the model and
    its pre-hook must agree. -#}
{% macro interactions_since() -%}
    {%- if not (execute and building_on_previous()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = 'socialmart_interactions_since' -%}
    {%- if key not in graph -%}
        {#- a table of an older version, without updated_at, is written again whole -#}
        {%- set stamped = run_query(
            "select count(*) from information_schema.columns where table_schema = '"
            ~ this.schema ~ "' and table_name = '" ~ this.identifier
            ~ "' and column_name = 'updated_at'").columns[0].values()[0] -%}
        {%- set row = [none, none] if not stamped else run_query(
            "select strftime(max(f.updated_at) at time zone 'UTC', '%Y-%m-%d %H:%M:%S.%f+00'), "
            ~ "(select min(written_at) from " ~ ref('int_user_interactions') ~ ") "
            ~ "    <= max(f.updated_at) "
            ~ "from " ~ this ~ " as f").rows[0] -%}
        {%- do graph.update({key: row[0] if row[0] and row[1] else none}) -%}
    {%- endif -%}
    {{ return(graph[key]) }}
{%- endmacro %}

{#- Pre-hook of fct_user_interactions: nothing when it builds on its rows, every row when
    it writes them all again (an erased person's interactions leave with them). -#}
{% macro interactions_pre_hook() -%}
    {%- if building_on_previous() and not interactions_since() -%}
        delete from {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
