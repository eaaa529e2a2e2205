-- Follower flows (getusersummary, one row per user_source) and totals (getusercumulate)
-- of one account and day, in one row.
with summary as (
    select * from {{ source('wechat_oa', 'user_summary') }}
),

cumulate as (
    select * from {{ source('wechat_oa', 'user_cumulate') }}
),

summary_loads as (
    select
        record ->> 'account_id' as account_id,
        cast(record ->> 'ref_date' as date) as business_date,
        record ->> 'user_source' as user_source,
        {{ count_value("record ->> 'new_user'") }} as new_followers,
        {{ count_value("record ->> 'cancel_user'") }} as unfollows,
        _ingested_at,
        _source
    from summary
),

summary_latest as (
    {{ latest_load('summary_loads', ['account_id', 'business_date', 'user_source']) }}
),

flows as (
    select account_id, business_date, sum(new_followers) as new_followers,
        sum(unfollows) as unfollows
    from summary_latest
    group by account_id, business_date
),

cumulate_loads as (
    select
        record ->> 'account_id' as account_id,
        cast(record ->> 'ref_date' as date) as business_date,
        {{ count_value("record ->> 'cumulate_user'") }} as followers_total,
        _ingested_at,
        _source
    from cumulate
),

totals as (
    {{ latest_load('cumulate_loads', ['account_id', 'business_date']) }}
),

final as (
    select
        'wechat_oa' as platform,
        coalesce(totals.account_id, flows.account_id) as account_id,
        coalesce(totals.business_date, flows.business_date) as business_date,
        totals.followers_total,
        flows.new_followers,
        flows.unfollows
    from totals
    full outer join flows using (account_id, business_date)
)

select * from final
