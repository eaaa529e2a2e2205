{#- One row per unified user: where the person is present and when they were seen. -#}
{#- Built after fct_orders and fct_user_interactions, which read nothing of it: the three
    are the large reads of the identity bridge, and two at once share DuckDB's one memory
    limit and spill (at `large`: 34 s side by side, 25 s one after the other). dbt has no
    other way to order nodes than a dependency. -#}
-- depends_on: {{ ref('fct_user_interactions') }} (order only)
with bridge as (
    select * from {{ ref('bridge_user_identity') }}
),

{%- set all_platforms = "select list(distinct platform order by platform) filter (where platform is not null) from " ~ ref("bridge_user_identity") %}

-- one pass over the identifiers: the platforms as a bit mask made a list afterwards (a
-- list per person was half of this model's time at `large`: 8.6 s against 4.0 s), where
-- a distinct aggregate costs three times as much and a pass per person and platform
-- first a quarter more
per_user as (
    select
        unified_user_id,
        min(unified_user_created_on) as unified_user_created_on,
        coalesce({{ source_mask('platform', all_platforms) }}, 0) as platform_mask,
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
        case when platform_mask > 0 then {{ sources_from_mask('platform_mask', all_platforms) }}
            end as platforms,
        cast(bit_count(platform_mask) as bigint) as platform_count,
        bit_count(platform_mask) > 1 as is_cross_platform,
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
