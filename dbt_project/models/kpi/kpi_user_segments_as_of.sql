{#- One row: the date kpi_user_segments is computed as of (the last date with an
    interaction or an order) and the buyers' averages its commerce RFM compares each buyer
    with (docs/requirements.md R-K4). Kept here once, not on each person's row: a row
    that carried them would change for every person every day. -#}
with interactions as (
    select business_date from {{ ref('fct_user_interactions') }}
),

-- every order dates the data, a buyer's or not
orders as (
    select business_date from {{ ref('fct_orders') }}
),

as_of as (
    select max(business_date) as as_of_date
    from (
        select business_date from interactions
        union all
        select business_date from orders
    )
),

-- each buyer's orders summed once, and kept on the day (kpi_buyer_purchases)
purchases as (
    select * from {{ ref('kpi_buyer_purchases') }}
),

final as (
    select
        (select as_of_date from as_of) as as_of_date,
        count(*) as buyers,
        avg((select as_of_date from as_of) - last_order_date) as avg_recency_days,
        avg(orders) as avg_orders,
        avg(monetary_yuan) as avg_monetary_yuan
    from purchases
)

select * from final
