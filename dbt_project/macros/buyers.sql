{#- One row per buyer (a known person with an order) of the orders in `orders`: the date
    of their last order, their orders and what they paid (元). kpi_buyer_purchases keeps it,
    buyer by buyer; kpi_user_segments scores each buyer by it and kpi_user_segments_as_of
    averages it over the buyers. -#}
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

{#- The commerce RFM segment of a buyer (`p`: orders, monetary_yuan, last_order_date) against
    the as-of row `a` (kpi_user_segments_as_of): recency, frequency and monetary value each
    compared with the buyers' average. Null for a person without orders. -#}
{% macro commerce_segment(p, a) -%}
    case when {{ p }}.orders > 0 then
        case
            (case when {{ a }}.as_of_date - {{ p }}.last_order_date <= {{ a }}.avg_recency_days then 'R' else 'r' end)
            || (case when {{ p }}.orders > {{ a }}.avg_orders then 'F' else 'f' end)
            || (case when {{ p }}.monetary_yuan > {{ a }}.avg_monetary_yuan then 'M' else 'm' end)
            when 'RFM' then '重要价值客户'
            when 'RfM' then '重要发展客户'
            when 'rFM' then '重要保持客户'
            when 'rfM' then '重要挽留客户'
            when 'RFm' then '一般价值客户'
            when 'Rfm' then '一般发展客户'
            when 'rFm' then '一般保持客户'
            else '一般挽留客户'
        end
    end
{%- endmacro %}
