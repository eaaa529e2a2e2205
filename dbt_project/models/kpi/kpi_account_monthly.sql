{#- One row per account per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ rollup_on_the_day('month') }}
{{ kpi_rollup('account', 'month', on_the_day=true) }}

select * from final
