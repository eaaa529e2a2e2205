{#- The distinct sources of a group as a sorted list, with a fixed-size aggregate state:
    each source is a bit of a mask (bit_or), turned back into names after grouping. A
    list(distinct …) state grows with its group and cannot spill, so on tens of millions
    of identifiers it runs out of DuckDB's memory_limit; bit_or spills like any sum.
    `all_sources` is a scalar query of every source name, sorted (at most 63). -#}
{% macro source_mask(source_column, all_sources) -%}
    bit_or(cast(1 as ubigint) << (list_position(({{ all_sources }}), {{ source_column }}) - 1))
{%- endmacro %}

{% macro sources_from_mask(mask_column, all_sources) -%}
    list_filter(({{ all_sources }}), lambda s, i: ({{ mask_column }} >> (i - 1)) & 1 = 1)
{%- endmacro %}
