{#- One row per unified user: where the person is present and when they were seen. -#}
{#- Built after fct_orders and fct_user_interactions, which read nothing of it: the three
    are the large reads of the identity bridge, and two at once share DuckDB's one memory
    limit and spill (at `large`: 34 s side by side, 25 s one after the other). dbt has no
    other way to order nodes than a dependency. -#}
-- depends_on: {{ ref('fct_user_interactions') }} (order only)
with bridge as (
    select * from {{ ref('bridge_user_identity') }}
),

-- one row per person and platform first: the platforms are then a plain list and count,
-- where distinct aggregates over every identifier cost three times as much (at `large`)
per_platform as (
    select
        unified_user_id,
        platform,
        min(unified_user_created_on) as unified_user_created_on,
        count(*) as identifier_count,
        bool_or(id_type = 'phone_hash') as has_phone,
        bool_or(id_type = 'wecom_external_userid') as is_wecom_contact,
        bool_or(id_type = 'crm_member_id') as is_crm_member,
        bool_or(list_contains(sources, 'shop.orders')) as has_ordered,
        min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date
    from bridge
    group by unified_user_id, platform
),

final as (
    select
        unified_user_id,
        min(unified_user_created_on) as unified_user_created_on,
        list(platform order by platform) filter (where platform is not null) as platforms,
        count(platform) as platform_count,
        count(platform) > 1 as is_cross_platform,
        cast(sum(identifier_count) as bigint) as identifier_count,
        bool_or(has_phone) as has_phone,
        bool_or(is_wecom_contact) as is_wecom_contact,
        bool_or(is_crm_member) as is_crm_member,
        bool_or(has_ordered) as has_ordered,
        min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date
    from per_platform
    group by unified_user_id
)

select * from final
