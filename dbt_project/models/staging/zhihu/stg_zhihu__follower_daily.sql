with source as (
    select * from {{ source('zhihu', 'follower_daily') }}
),

renamed as (
    select
        'zhihu' as platform,
        record ->> '账号ID' as account_id,
        cast(left(record ->> '日期', 10) as date) as business_date,
        {{ count_value("record ->> '关注者总数'") }} as followers_total,
        {{ count_value("record ->> '新增关注'") }} as new_followers,
        {{ count_value("record ->> '取消关注'") }} as unfollows,
        _ingested_at
    from source
    {{ latest_by("record ->> '账号ID', left(record ->> '日期', 10)") }}
)

select * from renamed
