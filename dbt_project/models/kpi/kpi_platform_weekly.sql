{#- One row per platform per week: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('platform', 'week') }}

select * from final
