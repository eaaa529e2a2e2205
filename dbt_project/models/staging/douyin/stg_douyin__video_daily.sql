{{ staging_by_day() }}
with source as (
    select * from {{ source('douyin', 'video_daily') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'item_id' as content_id,
        record ->> 'open_id' as account_id,
        business_date,
        {{ count_value("record ->> 'total_play'") }} as views,
        {{ count_value("record ->> 'total_like'") }} as likes,
        {{ count_value("record ->> 'total_comment'") }} as comments,
        {{ count_value("record ->> 'total_share'") }} as shares,
        cast(record ->> 'avg_play_duration' as double) as avg_watch_seconds,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> 'item_id'") }}
)

select * from renamed
