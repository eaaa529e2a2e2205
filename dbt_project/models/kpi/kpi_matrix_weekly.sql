{#- One row for the whole matrix per week: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('matrix', 'week') }}

select * from final
