{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['id_type', 'id_value'],
    on_schema_change='append_new_columns',
    pre_hook="{{ written_since_pre_hook(bridge_since()) }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per identifier → its unified user id (统一用户ID); an excluded identifier has one of its own.

    Incremental (bridge_since, macros/written_since.sql): a run writes the identifiers whose
    unified id (int_identity__unified_ids) or whose sightings (int_identity__nodes) were
    written since this table's newest updated_at: a few tens of thousands of 9.3M at
    `large`. An identifier a current snapshot lists has is_listed and no last_seen_date
    (identity_last_seen), so a day that lists it again changes nothing here. Every row is
    written again when either upstream was built again from nothing (an erasure, an
    exclusion); identifiers leave only then. -#}
{%- set since = bridge_since() %}
with unified_ids as not materialized (
    select * from {{ ref('int_identity__unified_ids') }}
),

nodes as not materialized (
    select * from {{ ref('int_identity__nodes') }}
),

{% if since %}
-- the large reads are filtered by a semi join on the day's identifiers
changed as (
    select id_type, id_value from unified_ids where written_at > '{{ since }}'::timestamptz
    union
    select id_type, id_value from nodes where written_at > '{{ since }}'::timestamptz
),

written_ids as (
    select * from unified_ids {{ semi_join_identifiers('changed') }}
),

written_nodes as (
    select * from nodes {{ semi_join_identifiers('changed') }}
),
{% else %}
written_ids as (
    select * from unified_ids
),

written_nodes as (
    select * from nodes
),
{% endif %}

final as (
    select
        u.id_type,
        u.id_value,
        u.unified_user_id,
        u.unified_user_created_on,
        n.platform,
        n.sources,
        n.first_seen_date,
        {{ identity_last_seen('n') }} as last_seen_date,
        {{ identity_is_listed('n') }} as is_listed,
        current_timestamp as updated_at
    from written_ids as u
    join written_nodes as n using (id_type, id_value)
)

select * from final
