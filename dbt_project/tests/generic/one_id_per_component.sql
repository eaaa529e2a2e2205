{#- Every component of the identifier graph has exactly one unified id, and no unified
    id is shared by two components. A run with a window checks the components and ids of
    the rows its build wrote (meta `written_by`, see written_rows) against every row. -#}
{% test one_id_per_component(model) %}
    {%- set written = written_rows(model) if run_dates() else none %}
    select component_key as offending_key, 'component with several ids' as problem
    from {{ model }}
    {% if written %}
    where component_key in (select component_key from {{ model }} where {{ written }})
    {% endif %}
    group by component_key
    having count(distinct unified_user_id) > 1
    union all
    select unified_user_id, 'id shared by several components'
    from {{ model }}
    {% if written %}
    where unified_user_id in (select unified_user_id from {{ model }} where {{ written }})
    {% endif %}
    group by unified_user_id
    having count(distinct component_key) > 1
{% endtest %}
