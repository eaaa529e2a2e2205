{#- Every identifier seen on a record, one row per source record and identifier.
    Records that carry several identifiers (an order's buyer and phone, a CRM member's
    id, phone, email and unionid) are the evidence that links them. -#}
with comments as (
    select * from {{ ref('int_comments') }}
),

wechat_oa_followers as (
    select * from {{ ref('stg_wechat_oa__followers') }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
),

shop_orders as (
    select * from {{ ref('stg_shop__orders') }}
),

crm_members as (
    select * from {{ ref('stg_crm__members') }}
),

manual_links as (
    select * from {{ ref('identity_manual_links') }}
),

comment_authors as (
    select platform || '.comments' as source, record_key,
        user_id_type as id_type, user_id as id_value, business_date
    from comments
),

follower_ids as (
    select 'wechat_oa.followers' as source, account_id || '/' || openid as record_key,
        'wechat_openid:' || account_id as id_type, openid as id_value,
        snapshot_date as business_date
    from wechat_oa_followers
    union all
    select 'wechat_oa.followers', account_id || '/' || openid, 'wechat_unionid', unionid,
        snapshot_date
    from wechat_oa_followers
),

wecom_ids as (
    select 'wecom.contacts' as source, external_userid as record_key,
        'wecom_external_userid' as id_type, external_userid as id_value,
        snapshot_date as business_date
    from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'wechat_unionid', unionid, snapshot_date
    from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'phone_hash', unnest(phone_hashes), snapshot_date
    from wecom_contacts
),

order_ids as (
    select 'shop.orders' as source, order_id as record_key, buyer_id_type as id_type,
        buyer_id as id_value, business_date
    from shop_orders
    union all
    select 'shop.orders', order_id, 'phone_hash', phone_hash, business_date
    from shop_orders
),

crm_ids as (
    select 'crm.members' as source, member_id as record_key, 'crm_member_id' as id_type,
        member_id as id_value, snapshot_date as business_date
    from crm_members
    union all
    select 'crm.members', member_id, 'phone_hash', phone_hash, snapshot_date from crm_members
    union all
    select 'crm.members', member_id, 'email_hash', email_hash, snapshot_date from crm_members
    union all
    select 'crm.members', member_id, 'wechat_unionid', unionid, snapshot_date from crm_members
),

manual_ids as (
    select 'manual_links' as source, link_id as record_key, left_type as id_type,
        left_value as id_value, cast(linked_on as date) as business_date
    from manual_links
    union all
    select 'manual_links', link_id, right_type, right_value, cast(linked_on as date)
    from manual_links
),

all_ids as (
    select * from comment_authors
    union all select * from follower_ids
    union all select * from wecom_ids
    union all select * from order_ids
    union all select * from crm_ids
    union all select * from manual_ids
),

final as (
    select
        source,
        record_key,
        id_type,
        trim(id_value) as id_value,
        {{ identity_platform('id_type') }} as platform,
        min(business_date) as first_seen_date,
        max(business_date) as last_seen_date
    from all_ids
    where id_value is not null
    group by all
)

select * from final
