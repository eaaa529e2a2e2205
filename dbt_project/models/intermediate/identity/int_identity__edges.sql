{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['left_type', 'left_value', 'right_type', 'right_value'],
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_edges_pre_hook() }}",
    meta={'written_by': 'written_at'}
) }}
{#- One row per pair of identifiers named by the same record (left < right), with the
    sources that name them together: the evidence that two identifiers are one person.
    Placeholders and blocklisted identifiers are left out later, in
    int_identity__components, so a blocklist change never rewrites this table.

    Incremental (docs/identity.md#6-a-new-day): a run pairs only the records that have an
    identifier entered since the table's last new pair (int_identity__occurrences.entered_at);
    a pair already here gets the new sources and keeps its linked_at, a new pair gets the
    run's start, which is how int_identity__components finds the day's new edges. Every
    row a run writes gets written_at, the run's start (linked_at is kept when a pair is
    written again); a table from before written_at has all its rows written again once,
    with their linked_at, so that none is left unstamped. -#}
{%- set restamp = building_on_previous() and 'written_at' not in column_names(this) %}
-- depends_on: {{ ref('identity_manual_links') }} (read by the pre-hook)
with occurrences as not materialized (
    -- a comment names one identifier: it is evidence of no pair, so it is left out of the join
    select * from {{ ref('int_identity__occurrences') }}
    where source not like '%.comments'
),

{% if building_on_previous() %}
entered_records as (
    select distinct source, record_key
    from occurrences
    where entered_at > (
        select coalesce(max(linked_at), '-infinity'::timestamptz) from {{ this }}
    )
),

record_ids as (
    select o.* from occurrences as o
    {{ semi_join_pair('entered_records', 'source', 'record_key') }}
),
{% else %}
record_ids as (
    select * from occurrences
),
{% endif %}

pairs as (
    select
        a.id_type as left_type,
        a.id_value as left_value,
        b.id_type as right_type,
        b.id_value as right_value,
        a.source
    from record_ids as a
    join record_ids as b
        on a.source = b.source
        and a.record_key = b.record_key
        and (a.id_type, a.id_value) < (b.id_type, b.id_value)
),

{%- set all_sources = "select list(distinct source order by source) from record_ids" %}

grouped as (
    select
        left_type,
        left_value,
        right_type,
        right_value,
        {{ source_mask('source', all_sources) }} as source_mask
    from pairs
    group by left_type, left_value, right_type, right_value
),

named as (
    select
        left_type,
        left_value,
        right_type,
        right_value,
        {{ sources_from_mask('source_mask', all_sources) }} as sources
    from grouped
),

{% if building_on_previous() %}
new_or_grown as (
    select
        n.left_type,
        n.left_value,
        n.right_type,
        n.right_value,
        list_sort(list_distinct(list_concat(coalesce(p.sources, n.sources), n.sources))) as sources,
        p.linked_at
    from named as n
    left join {{ this }} as p using (left_type, left_value, right_type, right_value)
    where p.linked_at is null or not list_has_all(p.sources, n.sources)
),

changed as (
    select * from new_or_grown
    {%- if restamp %}
    union all
    select p.left_type, p.left_value, p.right_type, p.right_value, p.sources, p.linked_at
    from {{ this }} as p
    anti join new_or_grown using (left_type, left_value, right_type, right_value)
    {%- endif %}
),
{% else %}
changed as (
    select *, null::timestamptz as linked_at from named
),
{% endif %}

final as (
    select
        left_type,
        left_value,
        right_type,
        right_value,
        sources,
        coalesce(linked_at, cast('{{ run_started_at }}' as timestamptz)) as linked_at,
        cast('{{ run_started_at }}' as timestamptz) as written_at
    from changed
)

select * from final
