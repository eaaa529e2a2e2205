with source as (
    select * from {{ source('ads', 'spend_daily') }}
),

renamed as (
    select
        {{ platform_key("record ->> '平台'") }} as platform,
        record ->> '账号ID' as account_id,
        record ->> '计划ID' as campaign_id,
        record ->> '计划名称' as campaign_name,
        cast(left(record ->> '日期', 10) as date) as business_date,
        cast(record ->> '消耗(元)' as decimal(18, 2)) as spend_yuan,
        {{ count_value("record ->> '展示数'") }} as impressions,
        {{ count_value("record ->> '点击数'") }} as clicks,
        {{ count_value("record ->> '转化数'") }} as conversions,
        _ingested_at
    from source
    {{ latest_by("record ->> '计划ID', left(record ->> '日期', 10)") }}
)

select * from renamed
