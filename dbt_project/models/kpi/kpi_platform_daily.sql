{#- One row per platform per day: the daily review numbers rolled up (formulas in macros/kpi_rates.sql). -#}
{{ rollup_on_the_day('day') }}
{{ kpi_rollup('platform', 'day', on_the_day=true) }}

select * from final
