{#- Rows whose running total is smaller than the previous snapshot's of the same item (a
    platform's cumulative list should only grow; a smaller total is a corrected or partial
    export). int_snapshots__content_daily leaves such a day null instead of negative; this
    test names the rows so someone looks. -#}
{% test totals_never_decrease(model, partition_by, columns, order_by='business_date') %}
with ordered as (
    select
        {{ partition_by | join(', ') }},
        {{ order_by }},
        {%- for c in columns %}
        {{ c }},
        lag({{ c }}) over w as previous_{{ c }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
    window w as (partition by {{ partition_by | join(', ') }} order by {{ order_by }})
)

select * from ordered
where {% for c in columns %}{{ c }} < previous_{{ c }}{{ " or " if not loop.last }}{% endfor %}
{% endtest %}
