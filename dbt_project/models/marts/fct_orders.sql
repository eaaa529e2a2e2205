{#- One row per paid shop order not since cancelled (a refund before shipping), with the buyer's unified user id (by the buyer's platform
    id, else by the phone on the order) and what sold it: a content, a live session, or
    nothing we know (docs/requirements.md R-K3). Each order is exactly one of the three, so
    every order counts once in total GMV: a content or room on an app none of ours, or
    missing from dim_content / fct_live_sessions, makes the order unattributed, with the
    reason. A room id wins over a video id (the order was placed in the live room). -#}
with orders as (
    select * from {{ ref('stg_shop__orders') }}
),

bridge as not materialized (
    select * from {{ ref('bridge_user_identity') }}
),

contents as (
    select content_key, account_key from {{ ref('dim_content') }}
),

live_sessions as (
    select live_session_key, account_key from {{ ref('fct_live_sessions') }}
),

sales as (
    -- a cancelled order is no sale: its day's GMV drops when the look-back brings it
    select * from orders
    where not is_cancelled
),

keyed as (
    select
        *,
        case when attributed_room_id is not null
            then attributed_platform || ':' || attributed_room_id end as wanted_session_key,
        case when attributed_room_id is null and attributed_content_id is not null
            then attributed_platform || ':' || attributed_content_id end as wanted_content_key
    from sales
),

attributed as (
    select
        k.*,
        c.content_key,
        s.live_session_key,
        coalesce(c.account_key, s.account_key) as attributed_account_key,
        case
            when c.content_key is not null then 'content'
            when s.live_session_key is not null then 'live'
            else 'unattributed'
        end as attribution,
        case
            when c.content_key is not null or s.live_session_key is not null then null
            when k.attributed_room_id is null and k.attributed_content_id is null
                then 'no_attribution'
            when k.attributed_platform is null then 'platform_not_tracked'
            when k.attributed_room_id is not null then 'live_session_not_found'
            else 'content_not_found'
        end as unattributed_reason
    from keyed as k
    left join contents as c on c.content_key = k.wanted_content_key
    left join live_sessions as s on s.live_session_key = k.wanted_session_key
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
        o.attributed_platform,
        o.attributed_content_id,
        o.attributed_room_id,
        o.attribution,
        o.content_key,
        o.live_session_key,
        o.attributed_account_key,
        o.unattributed_reason
    from attributed as o
    left join bridge as by_buyer
        on by_buyer.id_type = o.buyer_id_type and by_buyer.id_value = o.buyer_id
    left join bridge as by_phone
        on by_phone.id_type = 'phone_hash' and by_phone.id_value = o.phone_hash
)

select * from final
