{#- One row per platform per week: the daily review numbers rolled up (formulas in kpi_account_daily). -#}
{{ kpi_rollup('platform', 'week') }}

select * from final
