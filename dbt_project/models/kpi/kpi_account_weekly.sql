{#- One row per account per week: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('account', 'week') }}

select * from final
