{#- One row per platform per day: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('platform', 'day') }}

select * from final
