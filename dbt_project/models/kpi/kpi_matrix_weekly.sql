{#- One row for the whole matrix per week: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('matrix', 'week') }}

select * from final
