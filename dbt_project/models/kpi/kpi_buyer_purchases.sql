{{ config(
    materialized='incremental',
    schema='intermediate',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ written_since_pre_hook(buyer_purchases_since(), 'unified_user_id in (' ~ buyers_touched() ~ ')') }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per buyer (a person with an order): their orders, what they paid and their last
    order's date (purchases_per_buyer), for kpi_user_segments_as_of (the buyers' averages)
    and kpi_user_segments (each buyer's commerce RFM). Both grouped every order by buyer,
    each day: 1.1 s of a daily run at `large`, growing with the history.

    A kpi-layer table kept in the intermediate schema, as kpi_user_active_months is: the
    kpi schema is published whole.

    Incremental (buyer_purchases_since, macros/written_since.sql): a run sums again, from
    all their orders, only the buyers whose orders can have moved since this table's newest
    updated_at, and the pre-hook first removes their rows (buyers_touched):
      - an order of theirs was written since (new, changed, or moved to them by a merge);
      - an identifier moved to or from them (int_identity__unified_ids, both ids): a
        person a merge took away has no order left, so no row;
      - an order of theirs was cancelled since: fct_orders' pre-hook deletes it without a
        stamp; the staged order names its buyer's identifiers, which the bridge resolves.
    Every buyer is summed when fct_orders was built again from nothing. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
-- depends_on: {{ ref('stg_shop__orders') }}
-- depends_on: {{ ref('bridge_user_identity') }}
{%- set since = buyer_purchases_since() %}
with orders as (
    select unified_user_id, business_date, amount_yuan from {{ ref('fct_orders') }}
),

{% if since %}
buyers as (
    {{ buyers_touched() }}
),

summed_orders as (
    select * from orders semi join buyers using (unified_user_id)
),
{% else %}
summed_orders as (
    select * from orders
),
{% endif %}

purchases as (
    {{ purchases_per_buyer('summed_orders') }}
),

final as (
    select *, current_timestamp as updated_at
    from purchases
)

select * from final
