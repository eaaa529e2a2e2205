{#- Post-hook of an incremental Python model: drops the table dbt-duckdb (1.11) builds the
    model's rows into before merging them. For Python it is created as a plain table in the
    default schema, not a temporary one, and never dropped, so one was left per run (a
    year of daily runs: 365 tables per model, each read by the PII scan). The name carries
    a timestamp, so every leftover of this model goes. -#}
{% macro drop_python_model_leftovers() -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select schema_name, table_name from duckdb_tables() "
            ~ "where database_name = current_database() and not temporary "
            ~ "and starts_with(table_name, '" ~ this.identifier ~ "__dbt_tmp')"
        ) -%}
        {%- for schema_name, table_name in found.rows %}
    drop table if exists "{{ schema_name }}"."{{ table_name }}";
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
