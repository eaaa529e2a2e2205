{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}") }}
with account_daily as (
    -- the day before the window: a day's net gain is the change since it
    select * from {{ ref('int_account_daily') }}
    where {{ in_run_window(with_lookback=1) }}
),

with_previous as (
    select
        *,
        lag(business_date) over w as previous_date,
        lag(followers_total) over w as previous_followers_total
    from account_daily
    window w as (partition by platform, account_id order by business_date)
),

final as (
    select
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        business_date,
        followers_total,
        new_followers,
        unfollows,
        -- Net new followers: the change of the total since the day before when both are
        -- known, else new minus unfollows when the platform reports both.
        case
            when previous_date = business_date - interval 1 day
                then followers_total - previous_followers_total
            when new_followers is not null and unfollows is not null
                then new_followers - unfollows
        end as net_new_followers
    from with_previous
)

select * from final
where {{ in_run_window() }}
