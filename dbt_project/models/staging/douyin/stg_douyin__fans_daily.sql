with source as (
    select * from {{ source('douyin', 'fans_daily') }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'open_id' as account_id,
        business_date,
        {{ count_value("record ->> 'total_fans'") }} as followers_total,
        {{ count_value("record ->> 'new_fans'") }} as new_followers,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> 'open_id'") }}
)

select * from renamed
