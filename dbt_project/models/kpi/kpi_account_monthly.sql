{#- One row per account per month: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('account', 'month') }}

select * from final
