{{ staging_by_day() }}
-- Cumulative lifetime totals of each archive as of the end of business_date.
with source as (
    select * from {{ source('bilibili', 'arc_stat') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'bilibili' as platform,
        record ->> 'resource_id' as content_id,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'view'") }} as views_total,
        {{ count_value("record ->> 'like'") }} as likes_total,
        {{ count_value("record ->> 'reply'") }} as comments_total,
        {{ count_value("record ->> 'share'") }} as shares_total,
        {{ count_value("record ->> 'favorite'") }} as saves_total,
        {{ count_value("record ->> 'coin'") }} as coins_total,
        {{ count_value("record ->> 'danmaku'") }} as danmaku_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'resource_id', business_date") }}
)

select * from renamed
