{#- No two rows share these columns. On an incremental model keyed by business_date, a run
    with a window checks the dates it rebuilt (and the two weeks after, the longest
    lookahead): the other dates are as the runs that wrote them left them, already tested. -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    {% if 'business_date' in columns and var('start_date') and is_incremental_relation(model) %}
    where business_date between {{ run_window_start() }} and {{ run_window_end(14) }}
    {% endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
