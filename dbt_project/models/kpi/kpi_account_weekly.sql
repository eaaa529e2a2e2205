{#- One row per account per week: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('account', 'week') }}

select * from final
