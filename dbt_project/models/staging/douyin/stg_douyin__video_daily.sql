with source as (
    select * from {{ source('douyin', 'video_daily') }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'item_id' as content_id,
        record ->> 'open_id' as account_id,
        cast(record ->> 'date' as date) as business_date,
        {{ count_value("record ->> 'total_play'") }} as views,
        {{ count_value("record ->> 'total_like'") }} as likes,
        {{ count_value("record ->> 'total_comment'") }} as comments,
        {{ count_value("record ->> 'total_share'") }} as shares,
        cast(record ->> 'avg_play_duration' as double) as avg_watch_seconds,
        _ingested_at
    from source
    {{ latest_by("record ->> 'item_id', record ->> 'date'") }}
)

select * from renamed
