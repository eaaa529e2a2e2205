{{ config(materialized='incremental', unique_key='event_key', incremental_strategy='delete+insert') }}
{#- Every change of a person's unified id, appended run after run (docs/requirements.md R-U4): a merge
    retires an id into the oldest one; a split moves some identifiers to a new id. -#}
with unified_ids as (
    select * from {{ ref('int_identity__unified_ids') }}
),

moves as (
    select
        previous_unified_user_id as from_unified_user_id,
        unified_user_id as to_unified_user_id,
        count(*) as identifiers_moved
    from unified_ids
    where previous_unified_user_id is not null
        and previous_unified_user_id <> unified_user_id
    group by all
),

still_in_use as (
    select distinct unified_user_id from unified_ids
),

final as (
    select
        md5(m.from_unified_user_id || '>' || m.to_unified_user_id) as event_key,
        case when s.unified_user_id is null then 'merge' else 'split' end as event_type,
        m.from_unified_user_id,
        m.to_unified_user_id,
        m.identifiers_moved,
        {{ run_window_end() if run_dates() else 'current_date' }} as business_date,
        cast('{{ run_started_at }}' as timestamptz) as logged_at
    from moves as m
    left join still_in_use as s on s.unified_user_id = m.from_unified_user_id
)

select * from final
