{{ config(
    materialized='incremental',
    schema='intermediate',
    incremental_strategy='delete+insert',
    unique_key='unified_user_id',
    on_schema_change='append_new_columns',
    pre_hook="{{ written_since_pre_hook(credited_adds_since(), 'unified_user_id in (' ~ credited_adds_touched() ~ ')') }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per private-domain add (a WeCom contact added) of a person, credited to the
    platform of their last interaction before it (last touch; docs/requirements.md R-K5),
    for kpi_funnel_daily. An add without a person, or without an interaction before it,
    is credited to no platform and has no row.

    A kpi-layer table kept in the intermediate schema, as kpi_user_active_months.

    Incremental (credited_adds_since, macros/written_since.sql): a person's credits depend
    on their own interactions only, so a run credits again, from all their interactions,
    only the people an interaction was written for since this table's newest updated_at
    (new, or moved to them by a merge) and both ids of an identifier that moved (a person
    a merge took away has no row left); the pre-hook first removes their rows. Everyone
    is credited when fct_user_interactions was built again from nothing. At `large`,
    crediting everyone sorted the 1.1M interactions of everyone who ever added, daily. -#}
-- depends_on: {{ ref('int_identity__unified_ids') }} (read on the day only)
{%- set since = credited_adds_since() %}
with interactions as not materialized (
    select interaction_id, unified_user_id, platform, interaction_type, occurred_at,
        business_date
    from {{ ref('fct_user_interactions') }}
    where unified_user_id is not null
),

{% if since %}
people as (
    {{ credited_adds_touched() }}
),

person_interactions as (
    select * from interactions semi join people using (unified_user_id)
),
{% else %}
person_interactions as (
    select * from interactions
),
{% endif %}

adds as (
    select interaction_id, unified_user_id, occurred_at, business_date
    from person_interactions
    where interaction_type = 'private_domain_add'
),

-- only the touches of people who added: the as-of join sorts what it is given
touches as (
    select unified_user_id, platform, occurred_at
    from person_interactions
    semi join adds using (unified_user_id)
    where interaction_type <> 'private_domain_add'
),

credited as (
    select
        a.interaction_id,
        a.unified_user_id,
        a.business_date,
        t.platform,
        current_timestamp as updated_at
    from adds as a
    asof join touches as t
        on t.unified_user_id = a.unified_user_id and t.occurred_at <= a.occurred_at
)

select * from credited
