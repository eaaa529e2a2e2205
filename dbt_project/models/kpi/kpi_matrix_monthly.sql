{#- One row for the whole matrix per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('matrix', 'month') }}

select * from final
