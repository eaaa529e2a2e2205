{#- Every pair of distinct identifiers that appear on the same source record: the
    evidence that two identifiers belong to one person, before the over-merge guard. -#}
with occurrences as (
    -- a comment names one identifier: it is evidence of no pair, so it is left out of the join
    select * from {{ ref('int_identity__occurrences') }}
    where source not like '%.comments'
),

final as (
    select
        a.id_type as left_type,
        a.id_value as left_value,
        b.id_type as right_type,
        b.id_value as right_value,
        a.source,
        least(a.first_seen_date, b.first_seen_date) as first_seen_date,
        greatest(a.last_seen_date, b.last_seen_date) as last_seen_date
    from occurrences as a
    join occurrences as b
        on a.source = b.source
        and a.record_key = b.record_key
        and (a.id_type, a.id_value) < (b.id_type, b.id_value)
)

select * from final
