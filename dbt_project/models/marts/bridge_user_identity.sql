{#- One row per identifier → its unified user id (统一用户ID); an excluded identifier has one of its own. -#}
with unified_ids as (
    select * from {{ ref('int_identity__unified_ids') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
),

final as (
    select
        u.id_type,
        u.id_value,
        u.unified_user_id,
        u.unified_user_created_on,
        n.platform,
        n.sources,
        n.first_seen_date,
        {{ identity_last_seen('n') }} as last_seen_date
    from unified_ids as u
    join nodes as n using (id_type, id_value)
)

select * from final
