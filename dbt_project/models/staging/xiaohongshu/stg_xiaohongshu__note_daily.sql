{{ staging_by_day() }}
with source as (
    select * from {{ source('xiaohongshu', 'note_daily') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'xiaohongshu' as platform,
        record ->> '笔记ID' as content_id,
        record ->> '账号ID' as account_id,
        business_date,
        record ->> '笔记标题' as title,
        case record ->> '体裁' when '视频' then 'video_note' when '图文' then 'image_note' end
            as content_form,
        -- Export times are Beijing wall-clock times without an offset.
        cast(record ->> '首次发布时间' as timestamp) at time zone 'Asia/Shanghai' as published_at,
        {{ count_value("record ->> '曝光'") }} as impressions,
        {{ count_value("record ->> '观看量'") }} as views,
        {{ count_value("record ->> '点赞'") }} as likes,
        {{ count_value("record ->> '评论'") }} as comments,
        {{ count_value("record ->> '收藏'") }} as saves,
        {{ count_value("record ->> '分享'") }} as shares,
        {{ count_value("record ->> '涨粉'") }} as follows_gained,
        cast(record ->> '人均观看时长(秒)' as double) as avg_watch_seconds,
        {{ rate_value("record ->> '完播率'") }} as completion_rate,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> '笔记ID'") }}
)

select * from renamed
