{#- A date's month numbered from year 0: month_number % 12 is the month of the year
    (0 = January), and consecutive months differ by one across years. -#}
{% macro month_number(date) -%}
    year({{ date }}) * 12 + month({{ date }}) - 1
{%- endmacro %}
