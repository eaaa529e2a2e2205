{#- One row per platform per month: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('platform', 'month') }}

select * from final
