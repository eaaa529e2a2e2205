{#- One row per platform per day: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('platform', 'day') }}

select * from final
