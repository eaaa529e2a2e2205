{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='interaction_id',
    on_schema_change='append_new_columns',
    post_hook="{{ record_snapshot_read_through(['stg_wechat_oa__followers', 'stg_wecom__contacts']) }}",
    meta={'written_by': 'written_at'}
) }}
{#- One row per interaction of a person with the brand, with the platform's user id (the
    mart's fct_user_interactions carries the unified user id instead): a comment on a
    content, a follow of an Official Account (its first subscription in any follower
    snapshot), an add as a WeCom contact (its first add in any contact snapshot).

    Incremental: a run reads the comments of its days and the snapshot days it has not
    read yet (snapshot_days_to_read, from the day after the one it read through,
    snapshot_read_through, or the first day the staging restaged), and writes only the
    follows and adds that are new or earlier than stored. A follow keeps the earliest
    subscription of any snapshot, so reading a day twice changes nothing. Staging keeps one
    row per comment (its latest listing) and never loses one, so a comment is replaced by
    key.
    An erasure drops this table (ingestion/erasure.py) and the next run builds it whole.
    Classification of user_id: personal. -#}
{%- set on_previous = building_on_previous() %}
{#- The snapshot rows a follow or add comes from. A daily run, reading one new snapshot of
    each (snapshot_single_day), reads only its rows that differ from the snapshot before
    (snapshot_changes): one listed the same way both days gives the follow or add stored. -#}
{%- set snapshots = [
    {'cte': 'wechat_oa_followers', 'model': 'stg_wechat_oa__followers',
     'key': "account_id || '/' || openid",
     'columns': ['account_id', 'openid', 'is_subscribed', 'subscribed_at']},
    {'cte': 'wecom_contacts', 'model': 'stg_wecom__contacts',
     'key': "staff_userid || '/' || external_userid",
     'columns': ['staff_userid', 'external_userid', 'added_at']},
] %}
{%- set single = {} %}
{%- for r in snapshots if on_previous %}
    {%- do single.update({r.cte: snapshot_single_day(r.model)}) %}
{%- endfor %}
{%- set on_changes = on_previous and none not in single.values() | list %}
with
{%- for r in snapshots if on_changes %}
changed_{{ r.cte }} as (
    {{ snapshot_changes(r, single[r.cte]) }}
),
{%- endfor %}

all_comments as (
    select * from {{ ref('int_comments') }}
    where {{ in_run_window() if on_previous else 'true' }}
),
{% for r in snapshots %}
{{ r.cte }} as (
    select * from {{ ref(r.model) }}
    {%- if not on_previous %}
    where true
    {%- elif not on_changes %}
    where {{ snapshot_days_to_read(r.model) }}
    {%- else %}
    where {{ snapshot_changed_rows(r.key, single[r.cte], 'changed_' ~ r.cte) }}
    {%- endif %}
),
{% endfor %}
comments as (
    select
        'comment' as interaction_type, platform, account_id, content_id,
        comment_id as interaction_key, user_id_type as id_type, user_id as id_value,
        commented_at as occurred_at, business_date, null::date as snapshot_date
    from all_comments
),

follows as (
    select
        'follow' as interaction_type,
        platform,
        account_id,
        null as content_id,
        openid as interaction_key,
        'wechat_openid:' || account_id as id_type,
        openid as id_value,
        min(subscribed_at) as occurred_at,
        null::date as business_date,
        max(snapshot_date) as snapshot_date
    from wechat_oa_followers
    where is_subscribed
    group by platform, account_id, openid
),

wecom_adds as (
    select
        'private_domain_add' as interaction_type,
        'wecom' as platform,
        staff_userid as account_id,
        null as content_id,
        external_userid as interaction_key,
        'wecom_external_userid' as id_type,
        external_userid as id_value,
        min(added_at) as occurred_at,
        null::date as business_date,
        max(snapshot_date) as snapshot_date
    from wecom_contacts
    group by staff_userid, external_userid
),

interactions as (
    select
        md5(platform || '|' || account_id || '|' || interaction_type || '|'
            || interaction_key) as interaction_id,
        *
    from (
        select * from comments
        union all
        select * from follows
        union all
        select * from wecom_adds
    )
),

{% if on_previous %}
-- a follow or add already stored keeps its earlier date; one no earlier is not written
listed as (
    select
        i.* replace (least(i.occurred_at, s.occurred_at) as occurred_at),
        s.occurred_at as stored_occurred_at,
        s.interaction_id is not null as stored
    from interactions as i
    left join (
        select interaction_id, occurred_at from {{ this }}
        where interaction_type <> 'comment'
    ) as s using (interaction_id)
),

changed as (
    select * exclude (stored_occurred_at, stored)
    from listed
    where interaction_type = 'comment' or not stored
        or occurred_at is distinct from stored_occurred_at
),
{% else %}
changed as (
    select * from interactions
),
{% endif %}

final as (
    select
        interaction_id,
        interaction_type,
        platform,
        account_id,
        content_id,
        interaction_key,
        id_type,
        id_value,
        occurred_at,
        -- a comment is dated by its listing; a follow or add by when it happened
        coalesce(business_date, cast(occurred_at at time zone 'Asia/Shanghai' as date))
            as business_date,
        snapshot_date,
        -- when this build's transaction began: its uniqueness test reads only these keys,
        -- and fct_user_interactions the rows written after its own last build began (a
        -- transaction's start, not the command's: one that began later wrote later)
        current_timestamp as written_at
    from changed
)

select * from final
