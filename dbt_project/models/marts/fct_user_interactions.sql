{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='interaction_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ interactions_pre_hook() }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per interaction of a person with the brand: a comment on a content, a follow
    of an Official Account, an add as a WeCom contact (private domain). Carries the
    unified user id, never the platform's own user id.

    Incremental (interactions_since): a run writes the interactions int_user_interactions
    wrote since this table's newest updated_at, and those of the people whose unified id
    int_identity__unified_ids wrote since (a merge or split moves their interactions). Both
    were built before this model's transaction began, which updated_at records.
    When int_user_interactions was built again from nothing (an erasure drops it) every
    row is written again and the pre-hook empties the table first. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
{%- set since = interactions_since() %}
{% if since %}
-- each read of a large table is filtered by a semi join on the few rows of the day, which
-- DuckDB builds its hash table of (a join would build one of the large side)
with new_interactions as (
    select * from {{ ref('int_user_interactions') }}
    where written_at > '{{ since }}'::timestamptz
),

moved_ids as (
    select id_type, id_value from {{ ref('int_identity__unified_ids') }}
    where written_at > '{{ since }}'::timestamptz
),

moved_interactions as (
    select * from {{ ref('int_user_interactions') }}
    {{ semi_join_identifiers('moved_ids') }}
),

touched as (
    select * from new_interactions
    union
    select * from moved_interactions
),

bridge as (
    select id_type, id_value, unified_user_id from {{ ref('bridge_user_identity') }}
    {{ semi_join_identifiers('touched') }}
),

stored as (
    select * from {{ this }} semi join touched using (interaction_id)
),
{% else %}
with touched as (
    select * from {{ ref('int_user_interactions') }}
),

bridge as (
    select id_type, id_value, unified_user_id from {{ ref('bridge_user_identity') }}
),
{% endif %}

joined as (
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
    from touched as i
    left join bridge as b using (id_type, id_value)
),

{% if since %}
-- a relinked region's ids are written again even where they stay, and the window's
-- comments are read again: only rows that differ from the stored ones are written, so
-- updated_at and the published dates move only where something did
changed as (
    select j.* from joined as j
    left join stored as t using (interaction_id)
    where t.interaction_id is null
        or (j.interaction_type, j.platform, j.account_id, j.content_id, j.unified_user_id,
            j.user_id_type, j.occurred_at, j.business_date)
        is distinct from (t.interaction_type, t.platform, t.account_id, t.content_id,
            t.unified_user_id, t.user_id_type, t.occurred_at, t.business_date)
),
{% else %}
changed as (
    select * from joined
),
{% endif %}

final as (
    select
        *,
        -- when the row was last written (this build's transaction began): a reader can
        -- take only what changed since, and so does the next build
        current_timestamp as updated_at
    from changed
)

select * from final
