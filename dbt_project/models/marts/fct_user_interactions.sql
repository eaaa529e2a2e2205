{#- One row per interaction of a person with the brand: a comment on a content, a follow
    of an Official Account, an add as a WeCom contact (private domain). Carries the
    unified user id, never the platform's own user id. -#}
-- depends_on: {{ ref('fct_orders') }} (order only: see dim_unified_user)
with interactions as (
    select * from {{ ref('int_user_interactions') }}
),

bridge as (
    select id_type, id_value, unified_user_id from {{ ref('bridge_user_identity') }}
),

final as (
    select
        i.interaction_id,
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
