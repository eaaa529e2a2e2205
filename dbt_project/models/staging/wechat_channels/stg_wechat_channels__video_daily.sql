{{ staging_by_day() }}
with source as (
    select * from {{ source('wechat_channels', 'video_daily') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'wechat_channels' as platform,
        record ->> '视频ID' as content_id,
        record ->> '账号ID' as account_id,
        business_date,
        record ->> '视频描述' as title,
        'short_video' as content_form,
        -- "2026/11/20 08:00", Beijing wall-clock time
        cast(replace(record ->> '发布时间', '/', '-') as timestamp) at time zone 'Asia/Shanghai'
            as published_at,
        {{ count_value("record ->> '播放量'") }} as views,
        {{ count_value("record ->> '喜欢'") }} as likes,
        {{ count_value("record ->> '推荐'") }} as recommendations,
        {{ count_value("record ->> '评论'") }} as comments,
        {{ count_value("record ->> '分享'") }} as shares,
        {{ count_value("record ->> '新增关注'") }} as follows_gained,
        {{ rate_value("record ->> '完播率'") }} as completion_rate,
        cast(record ->> '平均播放时长(秒)' as double) as avg_watch_seconds,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> '视频ID'") }}
)

select * from renamed
