{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source', 'record_key', 'id_type', 'id_value'],
    on_schema_change='append_new_columns',
    pre_hook="{{ identity_occurrences_pre_hook() }}",
    post_hook="{{ record_snapshot_read_through(identity_snapshot_sources() | map(attribute=1) | list) }}",
    meta={'written_by': 'written_at'}
) }}
{#- Every identifier seen on a record, one row per source record and identifier.
    Records that carry several identifiers (an order's buyer and phone, a CRM member's
    id, phone, email and unionid) are the evidence that links them.

    Incremental (docs/identity.md#6-a-new-day): a run reads only its days of the sources (of
    a follower or contact snapshot, the days its staging restaged: snapshot_days_to_read)
    and diffs them against the rows it has; a follower, contact or member listed again by the
    day's snapshot writes nothing (last_seen_date is null while the source's latest snapshot
    lists it: identity_snapshot_dates), one that left it gets its last date, and a
    record's identifiers first seen in the run get entered_at (the run's start), which is
    how int_identity__edges finds the records to pair; every row it writes gets written_at.
    The manual links seed is small and re-read whole (a removed link must leave). The var
    identity_rebuild rebuilds from nothing. -#}
{%- set diffed = building_on_previous() and not var('identity_rebuild', false) %}
{#- A daily run reads one new snapshot of each source (or none): it needs only the records
    that differ from the snapshot before (snapshot_changes), and of the stored rows only
    those of the records it reads, not the whole history of comments and orders. Any other
    run (a backfill, a restaged day) compares every row of its days with every stored row. -#}
{%- set records = identity_snapshot_records() %}
{%- set single = {} %}
{%- for r in records if diffed %}
    {%- do single.update({r.source: snapshot_single_day(r.model)}) %}
{%- endfor %}
{%- set on_changes = diffed and none not in single.values() | list %}
{%- set read = {} %}
{%- for r in records %}
    {%- if not diffed %}
        {%- do read.update({r.source: 'true'}) %}
    {%- elif not on_changes %}
        {%- do read.update({r.source: snapshot_days_to_read(r.model)}) %}
    {%- else %}
        {%- do read.update({r.source: snapshot_changed_rows(
            r.key, single[r.source], 'changed_' ~ r.source | replace('.', '_'))}) %}
    {%- endif %}
{%- endfor %}
with
{%- for r in records if on_changes %}
changed_{{ r.source | replace('.', '_') }} as (
    {{ snapshot_changes(r, single[r.source]) }}
),
{%- endfor %}

comments as (
    select * from {{ ref('int_comments') }}
    where {{ in_run_window() if diffed else 'true' }}
),

wechat_oa_followers as (
    select * from {{ ref('stg_wechat_oa__followers') }}
    where {{ read['wechat_oa.followers'] }}
),

wecom_contacts as (
    select * from {{ ref('stg_wecom__contacts') }}
    where {{ read['wecom.contacts'] }}
),

shop_orders as (
    select * from {{ ref('stg_shop__orders') }}
    where {{ in_run_window() if diffed else 'true' }}
),

crm_members as (
    select * from {{ ref('stg_crm__members') }}
    where {{ read['crm.members'] }}
),

manual_links as (
    select * from {{ ref('identity_manual_links') }}
),

comment_authors as (
    select platform || '.comments' as source, record_key,
        user_id_type as id_type, user_id as id_value, business_date
    from comments
),

follower_ids as (
    select 'wechat_oa.followers' as source, {{ records[0].key }} as record_key,
        'wechat_openid:' || account_id as id_type, openid as id_value,
        snapshot_date as business_date
    from wechat_oa_followers
    union all
    select 'wechat_oa.followers', {{ records[0].key }}, 'wechat_unionid', unionid,
        snapshot_date
    from wechat_oa_followers
),

wecom_ids as (
    select 'wecom.contacts' as source, external_userid as record_key,
        'wecom_external_userid' as id_type, external_userid as id_value,
        snapshot_date as business_date
    from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'wechat_unionid', unionid, snapshot_date
    from wecom_contacts
    union all
    select 'wecom.contacts', external_userid, 'phone_hash', unnest(phone_hashes), snapshot_date
    from wecom_contacts
),

order_ids as (
    select 'shop.orders' as source, order_id as record_key, buyer_id_type as id_type,
        buyer_id as id_value, business_date
    from shop_orders
    union all
    select 'shop.orders', order_id, 'phone_hash', phone_hash, business_date
    from shop_orders
),

crm_ids as (
    select 'crm.members' as source, member_id as record_key, 'crm_member_id' as id_type,
        member_id as id_value, snapshot_date as business_date
    from crm_members
    union all
    select 'crm.members', member_id, 'phone_hash', phone_hash, snapshot_date from crm_members
    union all
    select 'crm.members', member_id, 'email_hash', email_hash, snapshot_date from crm_members
    union all
    select 'crm.members', member_id, 'wechat_unionid', unionid, snapshot_date from crm_members
),

manual_ids as (
    select 'manual_links' as source, link_id as record_key, left_type as id_type,
        left_value as id_value, cast(linked_on as date) as business_date
    from manual_links
    union all
    select 'manual_links', link_id, right_type, right_value, cast(linked_on as date)
    from manual_links
),

all_ids as (
    select * from comment_authors
    union all select * from follower_ids
    union all select * from wecom_ids
    union all select * from order_ids
    union all select * from crm_ids
    union all select * from manual_ids
),

seen as (
    select
        source,
        record_key,
        id_type,
        trim(id_value) as id_value,
        {{ identity_platform('id_type') }} as platform,
        min(business_date) as first_seen_date,
        max(business_date) as last_seen_date
    from all_ids
    where id_value is not null
    group by all
),

snapshot_dates as (
    {{ identity_snapshot_dates(read_again=diffed) }}
),

{% if on_changes %}
-- the stored rows of the records the run reads: its comments, orders and manual links, and
-- the snapshot records that changed (one a snapshot dropped is in changed_*, not in seen)
run_records as (
    select source, record_key from seen
    {%- for r in records %}
    union
    select '{{ r.source }}', record_key from changed_{{ r.source | replace('.', '_') }}
    {%- endfor %}
),

stored_rows as (
    select * from {{ this }}
    {{ semi_join_pair('run_records', 'source', 'record_key') }}
),
{% endif %}

{% if diffed %}
-- One full join compares the run's rows with the stored ones both ways (a left join and
-- an anti join read the stored rows twice: 11 s against 7 s at `large`, standalone).
-- Staging keeps one row per comment (its latest listing) and per order (its latest
-- version), so their dates are the new row's; a snapshot source keeps a row per snapshot,
-- so its dates span the known ones and the run's. A stored null last_seen_date means
-- "listed by the snapshot before the run's days"; such a row the run's days do not list
-- has left the snapshot (the diff), and gets the last date it was listed.
compared as (
    select
        coalesce(s.source, p.source) as source,
        coalesce(s.record_key, p.record_key) as record_key,
        coalesce(s.id_type, p.id_type) as id_type,
        coalesce(s.id_value, p.id_value) as id_value,
        s.source is not null as seen,
        coalesce(s.platform, p.platform) as platform,
        s.first_seen_date,
        s.last_seen_date,
        p.first_seen_date as known_first_seen_date,
        p.last_seen_date as known_last_seen_date,
        p.entered_at
    from seen as s
    full join {{ 'stored_rows' if on_changes else this }} as p
        on p.source = s.source and p.record_key = s.record_key
            and p.id_type = s.id_type and p.id_value = s.id_value
    where s.source is not null or p.last_seen_date is null
),

dated as (
    select
        c.source, c.record_key, c.id_type, c.id_value, c.platform,
        case when not c.seen then c.known_first_seen_date
            when d.latest is null then c.first_seen_date
            else least(c.first_seen_date, c.known_first_seen_date)
        end as first_seen_date,
        case when not c.seen then d.latest_before
            when d.latest is null or c.entered_at is null then c.last_seen_date
            else greatest(c.last_seen_date, coalesce(c.known_last_seen_date, d.latest_before))
        end as last_seen_date,
        c.known_first_seen_date, c.known_last_seen_date, c.entered_at
    from compared as c
    left join snapshot_dates as d using (source)
    -- a stored row no run's day lists matters only for a snapshot source
    where c.seen or d.source is not null
),

stored as (
    select
        t.* exclude (last_seen_date),
        case when d.latest is null or t.last_seen_date <> d.latest then t.last_seen_date
        end as last_seen_date
    from dated as t
    left join snapshot_dates as d using (source)
),

changed as (
    select source, record_key, id_type, id_value, platform, first_seen_date, last_seen_date,
        entered_at
    from stored
    where entered_at is null
        or first_seen_date is distinct from known_first_seen_date
        or last_seen_date is distinct from known_last_seen_date
),
{% else %}
changed as (
    select
        s.* exclude (last_seen_date),
        case when s.last_seen_date <> d.latest or d.latest is null then s.last_seen_date
        end as last_seen_date,
        null::timestamptz as entered_at
    from seen as s
    left join snapshot_dates as d using (source)
),
{% endif %}

final as (
    select
        source,
        record_key,
        id_type,
        id_value,
        platform,
        first_seen_date,
        last_seen_date,
        coalesce(entered_at, cast('{{ run_started_at }}' as timestamptz)) as entered_at,
        -- every row this run writes: its uniqueness test reads only these keys
        cast('{{ run_started_at }}' as timestamptz) as written_at
    from changed
)

select * from final
