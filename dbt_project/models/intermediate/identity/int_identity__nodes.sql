{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['id_type', 'id_value'],
    on_schema_change='append_new_columns',
    post_hook="{{ identity_nodes_drop_gone() }}",
    meta={'written_by': 'written_at'}
) }}
{#- One row per identifier seen, with unlinkable_reason when it is not an identifier of one
    person: a placeholder value, or in the blocklist seed. Unlinkable identifiers link
    nothing (int_identity__edges) but keep a unified id of their own. Identifiers shared by
    several people are found later, by the guard in int_identity__components.

    last_seen_date is the last date of its records and of the snapshots it has left;
    listed_by names the snapshot sources whose latest snapshot still lists it, which the
    bridge reads as that snapshot's date (identity_last_seen). So a follower listed again
    changes nothing here, and a run builds again only the identifiers whose occurrences it
    wrote (written_at after occurrences_written_at, the newest this table read), those of
    the blocklist seed and those of a manual link (a link can leave the seed). An
    identifier left without occurrences is written as a tombstone (occurrences_written_at
    null) that the post-hook identity_nodes_drop_gone deletes, as it deletes every row
    read before occurrences were built again from nothing (an erasure, identity_rebuild).
    Every row a run writes gets written_at, the run's start (occurrences_written_at is not
    one: a blocklisted identifier is written again with its occurrences' time). A table
    without it is built again once, so that no row is left unstamped. -#}
{%- set diffed = building_on_previous() and not var('identity_rebuild', false)
    and 'listed_by' in column_names(this) and 'written_at' in column_names(this) %}
with occurrences as not materialized (
    select * from {{ ref('int_identity__occurrences') }}
),

blocklist as (
    select * from {{ ref('identity_blocklist') }}
),

{% if diffed %}
touched as (
    select id_type, id_value from occurrences
    where written_at > (select max(occurrences_written_at) from {{ this }})
    union
    select id_type, id_value from blocklist
    union
    select id_type, id_value from {{ this }}
    where unlinkable_reason = 'blocklist' or list_contains(sources, 'manual_links')
),

reading as (
    select o.* from occurrences as o {{ semi_join_identifiers('touched') }}
),
{% else %}
reading as (
    select * from occurrences
),
{% endif %}

{%- set all_sources = "select list(distinct source order by source) from " ~ ref('int_identity__occurrences') %}
{%- set snapshot_sources = identity_snapshot_sources() | map(attribute=0) | list %}

grouped as (
    select
        id_type,
        id_value,
        min(platform) as platform,  -- any_value would differ between runs
        {{ source_mask('source', all_sources) }} as source_mask,
        min(first_seen_date) as first_seen_date,
        -- a snapshot occurrence without a last date is still listed by its source
        max(last_seen_date) as last_seen_date,
        -- a mask like source_mask: a distinct list aggregate cost a second grouping of every
        -- occurrence (it took 19.0 s from nothing at `large`, 9.1 s as a mask)
        {{ source_mask(
            "case when last_seen_date is null and source in ('"
                ~ snapshot_sources | join("', '") ~ "') then source end",
            all_sources) }} as listed_mask,
        -- a row written before written_at was kept counts as the oldest
        max(coalesce(written_at, '-infinity'::timestamptz)) as occurrences_written_at
    from reading
    group by id_type, id_value
),

placeholders as (
    select
        id_type,
        id_value,
        id_value = '' or regexp_matches(id_value, '^[0_-]+$') or id_value like 'placeholder:%'
            as is_placeholder
    from grouped
),

unlinkable as (
    select
        p.id_type,
        p.id_value,
        case
            when p.is_placeholder then 'placeholder'
            when b.id_value is not null then 'blocklist'
        end as unlinkable_reason,
        case
            when p.is_placeholder then 'empty, all zeros or a known placeholder value'
            else b.reason
        end as unlinkable_detail
    from placeholders as p
    left join blocklist as b using (id_type, id_value)
),

final as (
    select
        id_type,
        id_value,
        platform,
        {{ sources_from_mask('source_mask', all_sources) }} as sources,
        first_seen_date,
        last_seen_date,
        {{ sources_from_mask('listed_mask', all_sources) }} as listed_by,
        u.unlinkable_reason,
        u.unlinkable_detail,
        occurrences_written_at,
        cast('{{ run_started_at }}' as timestamptz) as written_at
    from grouped
    join unlinkable as u using (id_type, id_value)
)

select * from final
{% if diffed %}
union all by name
-- touched, and no occurrence names it any more: a tombstone for the post-hook
select t.id_type, t.id_value, cast('{{ run_started_at }}' as timestamptz) as written_at
from touched as t
semi join {{ this }} as n using (id_type, id_value)
anti join grouped as g using (id_type, id_value)
{% endif %}
