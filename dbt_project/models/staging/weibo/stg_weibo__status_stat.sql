{{ staging_by_day() }}
-- Lifetime totals of each status as of the end of business_date.
with source as (
    select * from {{ source('weibo', 'statuses') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'weibo' as platform,
        record ->> 'idstr' as content_id,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'attitudes_count'") }} as likes_total,
        {{ count_value("record ->> 'comments_count'") }} as comments_total,
        {{ count_value("record ->> 'reposts_count'") }} as shares_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'idstr', business_date") }}
)

select * from renamed
