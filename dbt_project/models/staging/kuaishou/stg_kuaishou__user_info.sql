with source as (
    select * from {{ source('kuaishou', 'user_info') }}
),

renamed as (
    select
        'kuaishou' as platform,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'fan'") }} as followers_total,
        {{ count_value("record ->> 'follow'") }} as following_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'account_id', business_date") }}
)

select * from renamed
