{#- Identifiers kept out of linking (docs/requirements.md R-U3), with the reason and the evidence:
    placeholder values and the blocklist seed (int_identity__nodes), and identifiers shared
    by several people (the guard in int_identity__components, limits in the seed
    identity_sharing_rules). Each keeps a unified id of its own in the bridge. -#}
with nodes as not materialized (
    select * from {{ ref('int_identity__nodes') }}
),

components as (
    select * from {{ ref('int_identity__components') }}
),

occurrences as (
    select * from {{ ref('int_identity__occurrences') }}
),

unlinkable as (
    select id_type, id_value, unlinkable_reason as reason, unlinkable_detail as detail,
        null::bigint as people_joined, null::varchar as neighbours_by_type
    from nodes
    where unlinkable_reason is not null
),

shared as (
    select
        id_type,
        id_value,
        'shared' as reason,
        'joins ' || people_joined || ' people (limit ' || max_people || ' for its type: '
            || rule_reason || ')' as detail,
        people_joined,
        neighbours_by_type
    from components
    where people_joined is not null
),

reasons as (
    select * from unlinkable
    union all
    select * from shared
),

-- counted for the excluded identifiers only: the occurrences are every record's identifiers
records as (
    select o.id_type, o.id_value, count(*) as records
    from occurrences as o
    semi join reasons as r using (id_type, id_value)
    group by all
),

final as (
    select
        r.id_type,
        r.id_value,
        r.reason,
        r.detail,
        r.people_joined,
        r.neighbours_by_type,
        c.records,
        n.first_seen_date,
        {{ identity_last_seen('n') }} as last_seen_date,
        {{ identity_is_listed('n') }} as is_listed
    from reasons as r
    join nodes as n using (id_type, id_value)
    join records as c using (id_type, id_value)
)

select * from final
