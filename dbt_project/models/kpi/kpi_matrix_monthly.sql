{#- One row for the whole matrix per month: the daily review numbers rolled up (formulas in macros/kpi_rates.sql), with the
    revenue no account has (macro matrix_revenue). -#}
{{ kpi_rollup('matrix', 'month') }},

{{ matrix_revenue('final', 'month') }}

select * from with_revenue
