{#- No two rows share these columns. On an incremental model keyed by business_date (or by
    snapshot_date: the follower, contact and member snapshots, staged by that day), a run
    with a window checks the dates it rebuilt (its window and the model's declared
    lookahead): the other dates are as the runs that wrote them left them, already tested.
    On an incremental model that numbers the rows each build writes (meta `written_by`,
    see written_rows), a run with a window checks the keys its build wrote, against every
    row: a delete+insert replaces the rows of the keys it writes, so only those can repeat;
    when these columns are its unique_key, the rows of those keys are the written rows
    themselves (replaced_by_key), and only those are read.
    `restated`: a condition on the rows such a model writes on every date each run (its
    delete_run_window's), checked with the rebuilt dates.
    `dated_by`: the column that dates the rows a run writes, on a model without a window
    of its own: a view over the run's days (checked on the window's dates when the key
    holds that column), or a listing staged by key from its window's days (stage_listing:
    the keys of the window's rows are checked against every row; a stored version that
    wins is written again once, its older rows deleted with it). -#}
{% test unique_combination(model, columns, restated=none, dated_by=none) %}
    {%- set dated = 'business_date' if 'business_date' in columns
        else ('snapshot_date' if 'snapshot_date' in columns else none) %}
    {%- set day = dated or dated_by %}
    {%- set window = none %}
    {%- if day and run_dates() %}
        {%- set window = incremental_window(model) or ({'lookahead': 0} if dated_by else none) %}
    {%- endif %}
    {%- set written = written_rows(model) if run_dates() and not window else none %}
    {%- set key = columns | join(', ') %}
    {%- if window %}
        {#- a snapshot staged by day restages only the days that landed again (find_changed_days):
            when its build in this command found them, those are the days it wrote -#}
        {%- set restaged = changed_days_of(model) %}
        {%- set rebuilt -%}
            {%- if restaged is not none and day in columns -%}
                {{ day }} in (
                {%- for d in restaged %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor -%}
                {{- 'null' if not restaged }})
            {%- else -%}
                {{ rebuilt_dates_filter(window, day) }}
            {%- endif -%}
            {%- if restated %} or ({{ restated }}){% endif %}
        {%- endset %}
    {%- endif %}
with checked as not materialized (
    select {{ key }}
    from {{ model }}
    {% if window and day in columns %}
    where {{ rebuilt }}
    {% elif window %}
    semi join (
        select distinct {{ key }} from {{ model }} where {{ rebuilt }}
    ) using ({{ key }})
    {% elif written and replaced_by_key(model, columns) %}
    where {{ written }}
    {% elif written %}
    semi join (
        select distinct {{ key }} from {{ model }} where {{ written }}
    ) using ({{ key }})
    {% endif %}
),

-- the rows of a repeated key share its hash: only the hashes seen twice are grouped by the
-- key itself (grouping millions of keys by one integer first halves the test at `large`)
repeated_hashes as (
    select hash({{ key }}) as h from checked group by h having count(*) > 1
)

select {{ key }}, count(*) as n
from checked
where hash({{ key }}) in (select h from repeated_hashes)
group by {{ key }}
having count(*) > 1
{% endtest %}

{#- dbt's built-in `unique` test, as unique_combination on its one column: on a model that
    marks the rows each build writes (meta `written_by`), a run with a window checks only
    the keys its build wrote, and any run groups the keys by their hash first. -#}
{% test unique(model, column_name, dated_by=none) -%}
    {{ test_unique_combination(model, [column_name], dated_by=dated_by) }}
{%- endtest %}
