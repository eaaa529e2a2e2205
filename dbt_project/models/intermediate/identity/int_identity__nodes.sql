{#- One row per identifier seen, with unlinkable_reason when it is not an identifier of one
    person: a placeholder value, or in the blocklist seed. Unlinkable identifiers link
    nothing (int_identity__edges) but keep a unified id of their own. Identifiers shared by
    several people are found later, by the guard in int_identity__components. -#}
with occurrences as (
    select * from {{ ref('int_identity__occurrences') }}
),

blocklist as (
    select * from {{ ref('identity_blocklist') }}
),

snapshot_dates as (
    {{ identity_snapshot_dates() }}
),

{%- set all_sources = "select list(distinct source order by source) from " ~ ref('int_identity__occurrences') %}

grouped as (
    select
        o.id_type,
        o.id_value,
        min(o.platform) as platform,  -- any_value would differ between runs
        {{ source_mask('o.source', all_sources) }} as source_mask,
        min(o.first_seen_date) as first_seen_date,
        -- null: still listed by its source's latest snapshot
        max(coalesce(o.last_seen_date, d.latest)) as last_seen_date
    from occurrences as o
    left join snapshot_dates as d using (source)
    group by o.id_type, o.id_value
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
        u.unlinkable_reason,
        u.unlinkable_detail
    from grouped
    join unlinkable as u using (id_type, id_value)
)

select * from final
