{#- One row per paid shop order, with the buyer's unified user id (by the buyer's platform
    id, else by the phone on the order) and the content or live room that sold it. -#}
with orders as (
    select * from {{ ref('stg_shop__orders') }}
),

bridge as (
    select * from {{ ref('bridge_user_identity') }}
),

final as (
    select
        o.order_id,
        o.platform,
        o.shop_id,
        coalesce(by_buyer.unified_user_id, by_phone.unified_user_id) as unified_user_id,
        o.amount_fen,
        o.amount_yuan,
        o.paid_at,
        o.business_date,
        o.attributed_content_id,
        o.attributed_room_id
    from orders as o
    left join bridge as by_buyer
        on by_buyer.id_type = o.buyer_id_type and by_buyer.id_value = o.buyer_id
    left join bridge as by_phone
        on by_phone.id_type = 'phone_hash' and by_phone.id_value = o.phone_hash
)

select * from final
