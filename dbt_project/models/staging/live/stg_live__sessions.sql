with source as (
    select * from {{ source('live', 'sessions') }}
),

renamed as (
    select
        {{ platform_key("record ->> '平台'") }} as platform,
        record ->> '账号ID' as account_id,
        record ->> '直播间ID' as room_id,
        cast(left(record ->> '日期', 10) as date) as business_date,
        cast(record ->> '开播时间' as timestamp) at time zone 'Asia/Shanghai' as started_at,
        cast(record ->> '关播时间' as timestamp) at time zone 'Asia/Shanghai' as ended_at,
        {{ count_value("record ->> '观看人次'") }} as viewers,
        {{ count_value("record ->> '最高在线人数'") }} as peak_online,
        {{ count_value("record ->> '新增粉丝'") }} as new_followers,
        {{ count_value("record ->> '成交订单数'") }} as orders,
        cast(record ->> '成交金额(元)' as decimal(18, 2)) as gmv_yuan,
        _ingested_at,
        _source
    from source
),

latest as (
    {{ latest_load('renamed', ['room_id']) }}
)

select * from latest
