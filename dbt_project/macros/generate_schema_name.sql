{#- Layers are schemas of their own (staging, intermediate, mart, kpi), not prefixed by the
    target schema: BI tools and the publish step address them by these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
