{#- One row per live session (直播场次): when, how many watched, followers gained, orders
    and GMV as the platform's live report gives them. -#}
with sessions as (
    select * from {{ ref('stg_live__sessions') }}
),

final as (
    select
        platform || ':' || room_id as live_session_key,
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        room_id,
        business_date,
        started_at,
        ended_at,
        datediff('minute', started_at, ended_at) as duration_minutes,
        viewers,
        peak_online,
        new_followers,
        orders,
        gmv_yuan
    from sessions
)

select * from final
