{#- One row per linkable identifier: every identifier seen, minus the excluded ones. -#}
with occurrences as (
    select * from {{ ref('int_identity__occurrences') }}
),

excluded as (
    select * from {{ ref('identity_excluded_identifiers') }}
),

{%- set all_sources = "select list(distinct source order by source) from " ~ ref('int_identity__occurrences') %}

grouped as (
    select
        o.id_type,
        o.id_value,
        any_value(o.platform) as platform,
        {{ source_mask('o.source', all_sources) }} as source_mask,
        min(o.first_seen_date) as first_seen_date,
        max(o.last_seen_date) as last_seen_date
    from occurrences as o
    anti join excluded as x using (id_type, id_value)
    group by o.id_type, o.id_value
),

final as (
    select
        id_type,
        id_value,
        platform,
        {{ sources_from_mask('source_mask', all_sources) }} as sources,
        first_seen_date,
        last_seen_date
    from grouped
)

select * from final
