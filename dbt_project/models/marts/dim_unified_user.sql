{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ unified_users_pre_hook() }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per unified user: where the person is present and when they were seen.
    Incremental (unified_users_since, macros/written_since.sql): a run writes again the
    people with a bridge row written since this table's newest updated_at, from all their
    identifiers (replacing their rows by key); the pre-hook takes out the ids a merge or
    split took away. Every person is written again when the bridge was. -#}
{#- Built beside fct_orders and fct_user_interactions, which read nothing of it. The three
    were once chained by order-only dependencies, so that two large reads of the bridge did
    not share DuckDB's one memory limit in a build from nothing; on the day each is small,
    and the chain left one core idle for 5-7 s of each daily run at `large`. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (the pre-hook's ids taken away)
{%- set since = unified_users_since() %}
with bridge as (
    select * from {{ ref('bridge_user_identity') }}
    {%- if since %}
    semi join (
        select unified_user_id from {{ ref('bridge_user_identity') }}
        where updated_at > '{{ since }}'::timestamptz
    ) using (unified_user_id)
    {%- endif %}
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
        -- none while a snapshot lists one of the person's identifiers (identity_last_seen)
        case when bool_or(is_listed) then null else max(last_seen_date) end as last_seen_date,
        coalesce(bool_or(is_listed), false) as is_listed
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
        last_seen_date,
        is_listed,
        current_timestamp as updated_at
    from per_user
)

select * from final
