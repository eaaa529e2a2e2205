{#- One row per unified user: where the person is present and when they were seen. -#}
{#- Built after fct_orders and fct_user_interactions, which read nothing of it: the three
    are the large reads of the identity bridge, and two at once share DuckDB's one memory
    limit and spill (at `large`: 34 s side by side, 25 s one after the other). dbt has no
    other way to order nodes than a dependency. -#}
-- depends_on: {{ ref('fct_user_interactions') }} (order only)
with bridge as (
    select * from {{ ref('bridge_user_identity') }}
),

-- one pass over the identifiers: the platforms as a list made distinct afterwards, where a
-- distinct aggregate costs three times as much and a pass per person and platform first
-- a quarter more (at `large`)
per_user as (
    select
        unified_user_id,
        min(unified_user_created_on) as unified_user_created_on,
        list_sort(list_distinct(list(platform))) as platform_list,
        count(*) as identifier_count,
        bool_or(id_type = 'phone_hash') as has_phone,
        bool_or(id_type = 'wecom_external_userid') as is_wecom_contact,
        bool_or(id_type = 'crm_member_id') as is_crm_member,
        bool_or(list_contains(sources, 'shop.orders')) as has_ordered,
        min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date
    from bridge
    group by unified_user_id
),

final as (
    select
        unified_user_id,
        unified_user_created_on,
        -- no platform at all (identifiers of no platform only): null, not an empty list
        case when len(platform_list) > 0 then platform_list end as platforms,
        len(platform_list) as platform_count,
        len(platform_list) > 1 as is_cross_platform,
        identifier_count,
        has_phone,
        is_wecom_contact,
        is_crm_member,
        has_ordered,
        first_seen_date,
        last_seen_date
    from per_user
)

select * from final
