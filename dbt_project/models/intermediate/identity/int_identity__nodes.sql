{#- One row per linkable identifier: every identifier seen, minus the excluded ones. -#}
with occurrences as (
    select * from {{ ref('int_identity__occurrences') }}
),

excluded as (
    select * from {{ ref('identity_excluded_identifiers') }}
),

final as (
    select
        o.id_type,
        o.id_value,
        any_value(o.platform) as platform,
        list(distinct o.source order by o.source) as sources,
        min(o.first_seen_date) as first_seen_date,
        max(o.last_seen_date) as last_seen_date
    from occurrences as o
    anti join excluded as x using (id_type, id_value)
    group by o.id_type, o.id_value
)

select * from final
