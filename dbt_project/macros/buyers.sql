{#- One row per buyer (a known person with an order) of the orders in `orders`: the date
    of their last order, their orders and what they paid (元). kpi_user_segments scores
    each buyer by it and kpi_user_segments_as_of averages it over the buyers. -#}
{% macro purchases_per_buyer(orders) -%}
    select
        unified_user_id,
        max(business_date) as last_order_date,
        count(*) as orders,
        sum(amount_yuan) as monetary_yuan
    from {{ orders }}
    where unified_user_id is not null
    group by all
{%- endmacro %}
