{#- Identifiers kept out of linking (docs/requirements.md R-U3), with the reason: placeholder values,
    the blocklist seed, and identifiers shared by more people than a person could be
    (more than `identity_max_links_per_type` distinct identifiers of one type). -#}
with occurrences as (
    select * from {{ ref('int_identity__occurrences') }}
),

record_pairs as (
    select * from {{ ref('int_identity__record_pairs') }}
),

blocklist as (
    select * from {{ ref('identity_blocklist') }}
),

identifiers as (
    select id_type, id_value, min(first_seen_date) as first_seen_date,
        max(last_seen_date) as last_seen_date, count(*) as records
    from occurrences
    group by all
),

placeholders as (
    select id_type, id_value, 'placeholder' as reason,
        'empty, all zeros or a known placeholder value' as detail
    from identifiers
    where id_value = ''
        or regexp_matches(id_value, '^[0_-]+$')
        or id_value like 'placeholder:%'
),

blocklisted as (
    select i.id_type, i.id_value, 'blocklist' as reason, b.reason as detail
    from identifiers as i
    join blocklist as b on b.id_type = i.id_type and b.id_value = i.id_value
),

neighbours as (
    select left_type as id_type, left_value as id_value, right_type as other_type,
        right_value as other_value
    from record_pairs
    union
    select right_type, right_value, left_type, left_value from record_pairs
),

neighbour_counts as (
    select id_type, id_value, other_type, count(distinct other_value) as linked
    from neighbours
    group by all
),

shared as (
    select
        id_type,
        id_value,
        'shared' as reason,
        'linked to ' || max(linked) || ' different ' || arg_max(other_type, linked)
            || ' (limit {{ var("identity_max_links_per_type") }})' as detail
    from neighbour_counts
    where linked > {{ var('identity_max_links_per_type') }}
    group by all
),

reasons as (
    select * from placeholders
    union all select * from blocklisted
    union all select * from shared
),

final as (
    select
        r.id_type,
        r.id_value,
        r.reason,
        r.detail,
        i.records,
        i.first_seen_date,
        i.last_seen_date
    from reasons as r
    join identifiers as i using (id_type, id_value)
    qualify row_number() over (
        partition by r.id_type, r.id_value
        order by case r.reason when 'placeholder' then 1 when 'blocklist' then 2 else 3 end
    ) = 1
)

select * from final
