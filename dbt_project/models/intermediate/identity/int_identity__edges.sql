{#- One row per pair of linkable identifiers (neither a placeholder nor blocklisted) seen
    together on at least one record, before the sharing guard of int_identity__components. -#}
with record_pairs as (
    select * from {{ ref('int_identity__record_pairs') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
    where unlinkable_reason is null
),

{%- set all_sources = "select list(distinct source order by source) from " ~ ref('int_identity__record_pairs') %}

grouped as (
    select
        p.left_type,
        p.left_value,
        p.right_type,
        p.right_value,
        {{ source_mask('p.source', all_sources) }} as source_mask,
        min(p.first_seen_date) as first_seen_date,
        max(p.last_seen_date) as last_seen_date
    from record_pairs as p
    semi join nodes as l on l.id_type = p.left_type and l.id_value = p.left_value
    semi join nodes as r on r.id_type = p.right_type and r.id_value = p.right_value
    group by p.left_type, p.left_value, p.right_type, p.right_value
),

final as (
    select
        left_type,
        left_value,
        right_type,
        right_value,
        {{ sources_from_mask('source_mask', all_sources) }} as sources,
        first_seen_date,
        last_seen_date
    from grouped
)

select * from final
