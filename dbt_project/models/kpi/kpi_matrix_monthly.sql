{#- One row for the whole matrix per month: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('matrix', 'month') }}

select * from final
