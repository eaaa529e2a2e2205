{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ orders_pre_hook() }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per paid shop order not since cancelled (a refund before shipping), with the buyer's unified user id (by the buyer's platform
    id, else by the phone on the order) and what sold it: a content, a live session, or
    nothing we know (docs/requirements.md R-K3). Each order is exactly one of the three, so
    every order counts once in total GMV: a content or room on an app none of ours, or
    missing from dim_content / fct_live_sessions, makes the order unattributed, with the
    reason. A room id wins over a video id (the order was placed in the live room). -#}
{#- Incremental (orders_since, macros/written_since.sql): a run writes the orders
    stg_shop__orders staged since this table's newest updated_at, those of the people whose
    unified id int_identity__unified_ids wrote since (a merge or split moves their orders),
    and those whose attribution may have moved (a content or session not found before, or
    no longer found); only rows that differ from the stored ones are written, and an order
    cancelled since leaves (the pre-hook). When stg_shop__orders was built again from
    nothing (an erasure drops it) every row is written again. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
{%- set since = orders_since() %}
-- not materialized: read four times on the day, DuckDB would keep every column of every
-- staged order first (3.4M at `large`, about 0.8 CPU-seconds); read so, the touched orders'
-- lookups scan only the columns they use
with orders as not materialized (
    select * from {{ ref('stg_shop__orders') }}
),

contents as (
    select content_key, account_key from {{ ref('dim_content') }}
),

live_sessions as (
    select live_session_key, account_key from {{ ref('fct_live_sessions') }}
),

{% if since %}
-- each read of a large table is filtered by a semi join on the few rows of the day
moved_ids as (
    select id_type, id_value from {{ ref('int_identity__unified_ids') }}
    where written_at > '{{ since }}'::timestamptz
),

stored as not materialized (
    select * from {{ this }}
),

-- a stored order whose content or session was not found, or is not found any more under
-- the same account
stale_attribution as (
    select order_id from stored
    where unattributed_reason in ('content_not_found', 'live_session_not_found')
    union all
    select s.order_id from stored as s left join contents as c using (content_key)
    where s.attribution = 'content' and c.account_key is distinct from s.attributed_account_key
    union all
    select s.order_id from stored as s left join live_sessions as l using (live_session_key)
    where s.attribution = 'live' and l.account_key is distinct from s.attributed_account_key
),

touched_ids as (
    select order_id from orders where staged_at > '{{ since }}'::timestamptz
    union
    select order_id from orders
    semi join moved_ids on moved_ids.id_type = orders.buyer_id_type
        and moved_ids.id_value = orders.buyer_id
    union
    select order_id from orders
    semi join moved_ids on moved_ids.id_type = 'phone_hash'
        and moved_ids.id_value = orders.phone_hash
    union
    select order_id from stale_attribution
),

sales as (
    -- a cancelled order is no sale: its day's GMV drops when the look-back brings it
    select * from orders
    semi join touched_ids using (order_id)
    where not is_cancelled
),

buyer_ids as (
    select buyer_id_type as id_type, buyer_id as id_value from sales
    union
    select 'phone_hash', phone_hash from sales where phone_hash is not null
),

bridge as (
    select * from {{ ref('bridge_user_identity') }}
    {{ semi_join_identifiers('buyer_ids') }}
),
{% else %}
sales as (
    -- a cancelled order is no sale: its day's GMV drops when the look-back brings it
    select * from orders
    where not is_cancelled
),

bridge as not materialized (
    select * from {{ ref('bridge_user_identity') }}
),
{% endif %}

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
),

{% if since %}
-- only orders that differ from the stored ones are written, so updated_at and the
-- published dates move only where something did
changed as (
    select f.* from final as f
    left join stored as t using (order_id)
    where t.order_id is null
        or (f.platform, f.shop_id, f.unified_user_id, f.amount_fen, f.amount_yuan, f.paid_at,
            f.business_date, f.attributed_platform, f.attributed_content_id,
            f.attributed_room_id, f.attribution, f.content_key, f.live_session_key,
            f.attributed_account_key, f.unattributed_reason)
        is distinct from (t.platform, t.shop_id, t.unified_user_id, t.amount_fen,
            t.amount_yuan, t.paid_at, t.business_date, t.attributed_platform,
            t.attributed_content_id, t.attributed_room_id, t.attribution, t.content_key,
            t.live_session_key, t.attributed_account_key, t.unattributed_reason)
),
{% else %}
changed as (
    select * from final
),
{% endif %}

stamped as (
    select
        *,
        -- when the row was last written (this build's transaction began): a reader can
        -- take only what changed since, and so does the next build
        current_timestamp as updated_at
    from changed
)

select * from stamped
