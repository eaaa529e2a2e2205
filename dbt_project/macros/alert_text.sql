{#- Numbers as the text of an alert shows them. DuckDB sums doubles in parallel, so a
    baseline can differ in its last bits from one build to the next; rounding to 6 decimals
    first takes those bits away, so a rerun prints the same text (and orders ties the same
    way) instead of flipping a half up or down. -#}
{% macro alert_rounded(expr, digits=0) -%}
    round(round({{ expr }}, 6), {{ digits }})
{%- endmacro %}

{#- A count or an amount in 元: whole, with thousands separators; `signed` adds the "+". -#}
{% macro alert_count_text(expr, signed=false) -%}
    ({% if signed %}case when {{ alert_rounded(expr) }} > 0 then '+' else '' end || {% endif -%}
    format('{:,}', cast({{ alert_rounded(expr) }} as bigint)))
{%- endmacro %}

{#- A ratio as a percentage with `digits` decimals; `signed` adds the "+". -#}
{% macro alert_percent_text(expr, digits=1, signed=false) -%}
    format('{:{{ "+" if signed }}.{{ digits }}f}%', {{ alert_rounded('(' ~ expr ~ ') * 100', digits) }})
{%- endmacro %}
