{#- Rows whose running total is smaller than the previous snapshot's of the same item (a
    platform's cumulative list should only grow; a smaller total is a corrected or partial
    export). int_snapshots__content_daily leaves such a day null instead of negative; this
    test names the rows so someone looks.
    On an incremental model, a run with a window checks the pairs of snapshots that its
    rebuilt dates are part of: those dates, each item's last snapshot before them and its
    first after them (a backfill of past days). Every other pair is as the runs that wrote
    it left it, already tested; sorting the whole history each day is what this saves. -#}
{% test totals_never_decrease(model, partition_by, columns, order_by='business_date') %}
{%- set window = incremental_window(model) if order_by == 'business_date' and run_dates() else none %}
{%- set keys = partition_by | join(', ') %}
with
{%- if window %}
rebuilt as (
    select * from {{ model }}
    where {{ rebuilt_dates_filter(window) }}
),

neighbours as (
    select {{ keys }},
        max({{ order_by }}) filter (where {{ order_by }} < {{ run_window_start() }}) as before,
        min({{ order_by }}) filter (where {{ order_by }} > {{ run_window_end(window.lookahead) }}) as after
    from {{ model }}
    semi join rebuilt using ({{ keys }})
    where not ({{ rebuilt_dates_filter(window) }})
    group by all
),

checked as (
    select * from rebuilt
    union all by name
    select m.* from {{ model }} as m
    join neighbours as n using ({{ keys }})
    where m.{{ order_by }} in (n.before, n.after)
),
{%- else %}
checked as (
    select * from {{ model }}
),
{%- endif %}

ordered as (
    select
        {{ keys }},
        {{ order_by }},
        {%- for c in columns %}
        {{ c }},
        lag({{ c }}) over w as previous_{{ c }}{{ "," if not loop.last }}
        {%- endfor %}
    from checked
    window w as (partition by {{ keys }} order by {{ order_by }})
)

select * from ordered
where {% for c in columns %}{{ c }} < previous_{{ c }}{{ " or " if not loop.last }}{% endfor %}
{% endtest %}
