with source as (
    select * from {{ source('bilibili', 'user_stat') }}
),

renamed as (
    select
        'bilibili' as platform,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'follower'") }} as followers_total,
        {{ count_value("record ->> 'following'") }} as following_total,
        {{ count_value("record ->> 'arc_passed_total'") }} as archives_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'account_id', business_date") }}
)

select * from renamed
