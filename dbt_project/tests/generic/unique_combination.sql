{#- No two rows share these columns. On an incremental model keyed by business_date, a run
    with a window checks the dates it rebuilt (its window and the model's declared
    lookahead): the other dates are as the runs that wrote them left them, already tested. -#}
{% test unique_combination(model, columns) %}
    {%- set window = incremental_window(model) if 'business_date' in columns and run_dates() else none %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    {% if window %}
    where {{ rebuilt_dates_filter(window) }}
    {% endif %}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
