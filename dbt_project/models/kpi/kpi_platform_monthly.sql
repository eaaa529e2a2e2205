{#- One row per platform per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('platform', 'month') }}

select * from final
