{#- One row for the whole matrix per week: the daily review numbers rolled up (formulas in macros/kpi_rates.sql), with the
    revenue no account has (macro matrix_revenue). -#}
{{ kpi_rollup('matrix', 'week') }},

{{ matrix_revenue('final', 'week') }}

select * from with_revenue
