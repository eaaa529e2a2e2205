with source as (
    select * from {{ source('weibo', 'user') }}
),

renamed as (
    select
        'weibo' as platform,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'followers_count'") }} as followers_total,
        {{ count_value("record ->> 'statuses_count'") }} as statuses_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'account_id', business_date") }}
)

select * from renamed
