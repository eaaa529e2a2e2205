{#- One row per platform per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ rollup_on_the_day('month') }}
{{ kpi_rollup('platform', 'month', on_the_day=true) }}

select * from final
