{#- Every component of the identifier graph has exactly one unified id, and no unified
    id is shared by two components. -#}
{% test one_id_per_component(model) %}
    select component_key as offending_key, 'component with several ids' as problem
    from {{ model }}
    group by component_key
    having count(distinct unified_user_id) > 1
    union all
    select unified_user_id, 'id shared by several components'
    from {{ model }}
    group by unified_user_id
    having count(distinct component_key) > 1
{% endtest %}
