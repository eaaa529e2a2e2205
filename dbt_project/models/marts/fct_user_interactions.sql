{#- One row per interaction of a person with the brand: a comment on a content, a follow
    of an Official Account, an add as a WeCom contact (private domain). Carries the
    unified user id, never the platform's own user id. -#}
-- depends_on: {{ ref('fct_orders') }} (order only: see dim_unified_user)
with all_comments as (
    select * from {{ ref('int_comments') }}
),

wechat_oa_followers as (
    select * from {{ ref('stg_wechat_oa__followers') }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
),

bridge as (
    select * from {{ ref('bridge_user_identity') }}
),

comments as (
    select platform, account_id, content_id, comment_id as interaction_key,
        user_id_type as id_type, user_id as id_value, commented_at as occurred_at,
        business_date
    from all_comments
),

follows as (
    select
        platform,
        account_id,
        null as content_id,
        openid as interaction_key,
        'wechat_openid:' || account_id as id_type,
        openid as id_value,
        min(subscribed_at) as occurred_at,
        cast(min(subscribed_at) at time zone 'Asia/Shanghai' as date) as business_date
    from wechat_oa_followers
    where is_subscribed
    group by all
),

wecom_adds as (
    select
        'wecom' as platform,
        staff_userid as account_id,
        null as content_id,
        external_userid as interaction_key,
        'wecom_external_userid' as id_type,
        external_userid as id_value,
        min(added_at) as occurred_at,
        cast(min(added_at) at time zone 'Asia/Shanghai' as date) as business_date
    from wecom_contacts
    group by all
),

interactions as (
    select *, 'comment' as interaction_type from comments
    union all
    select *, 'follow' from follows
    union all
    select *, 'private_domain_add' from wecom_adds
),

final as (
    select
        md5(i.platform || '|' || i.account_id || '|' || i.interaction_type || '|'
            || i.interaction_key) as interaction_id,
        i.interaction_type,
        i.platform,
        i.account_id,
        i.platform || ':' || i.account_id as account_key,
        i.content_id,
        b.unified_user_id,
        i.id_type as user_id_type,
        i.occurred_at,
        i.business_date
    from interactions as i
    left join bridge as b using (id_type, id_value)
)

select * from final
