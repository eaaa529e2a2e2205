{#- One row per account per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ kpi_rollup('account', 'month') }}

select * from final
