{{ config(materialized='incremental', unique_key='event_key', incremental_strategy='delete+insert',
    on_schema_change='append_new_columns') }}
{#- Every change of a person's unified id, appended run after run (docs/requirements.md R-U4): a merge
    retires an id into the oldest one; a split moves some identifiers to a new id.
    int_identity__unified_ids is incremental: the rows it assigned since this model last
    read it are those of the components builds after this model's latest
    component_build_no (on a first build, the latest build's). -#}
with unified_ids as not materialized (
    select * from {{ ref('int_identity__unified_ids') }}
),

{#- a log written before component_build_no existed reads the latest build's rows -#}
{%- set numbered = is_incremental()
    and 'component_build_no' in adapter.get_columns_in_relation(this) | map(attribute='name') %}
assigned as (
    select * from unified_ids
    where component_build_no > {% if numbered -%}
        (select coalesce(max(component_build_no), 0) from {{ this }})
    {%- else -%}
        (select max(component_build_no) - 1 from unified_ids)
    {%- endif %}
),

moves as (
    select
        previous_unified_user_id as from_unified_user_id,
        unified_user_id as to_unified_user_id,
        count(*) as identifiers_moved,
        max(component_build_no) as component_build_no
    from assigned
    where previous_unified_user_id is not null
        and previous_unified_user_id <> unified_user_id
    group by all
),

still_in_use as (
    select distinct u.unified_user_id
    from unified_ids as u
    semi join moves as m on m.from_unified_user_id = u.unified_user_id
),

final as (
    select
        md5(m.from_unified_user_id || '>' || m.to_unified_user_id) as event_key,
        case when s.unified_user_id is null then 'merge' else 'split' end as event_type,
        m.from_unified_user_id,
        m.to_unified_user_id,
        m.identifiers_moved,
        m.component_build_no,
        {{ run_window_end() if run_dates() else 'current_date' }} as business_date,
        cast('{{ run_started_at }}' as timestamptz) as logged_at
    from moves as m
    left join still_in_use as s on s.unified_user_id = m.from_unified_user_id
)

select * from final
