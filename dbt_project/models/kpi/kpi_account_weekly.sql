{#- One row per account per week: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ rollup_on_the_day('week') }}
{{ kpi_rollup('account', 'week', on_the_day=true) }}

select * from final
