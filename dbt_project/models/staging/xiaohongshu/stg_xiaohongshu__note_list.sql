{{ staging_by_day('period_end') }}
{#- The 笔记列表明细表 as landed: each note's totals over the export's period (统计开始 –
    统计结束; no start when the file states none: totals up to the download day). Range
    totals stay what they are: no model spreads them over days. Values were typed at load
    (ingestion/platforms/xiaohongshu.py): 封面点击率 a fraction, 人均观看时长 seconds. -#}
with {% call read_source(source('xiaohongshu', 'note_list')) %}
    select
        record ->> '账号ID' as account_id,
        coalesce(record ->> '笔记标题', '') as title,
        cast(record ->> '首次发布时间' as timestamp) at time zone 'Asia/Shanghai' as published_at,
        case record ->> '体裁' when '视频' then 'video_note' when '图文' then 'image_note' end
            as content_form,
        cast(record ->> '统计开始' as date) as period_start,
        cast(record ->> '统计结束' as date) as period_end,
        {{ count_value("record ->> '曝光'") }} as impressions,
        {{ count_value("record ->> '观看量'") }} as views,
        {{ rate_value("record ->> '封面点击率'") }} as cover_click_rate,
        {{ count_value("record ->> '点赞'") }} as likes,
        {{ count_value("record ->> '评论'") }} as comments,
        {{ count_value("record ->> '收藏'") }} as saves,
        {{ count_value("record ->> '涨粉'") }} as follows_gained,
        {{ count_value("record ->> '分享'") }} as shares,
        cast(record ->> '人均观看时长' as double) as avg_watch_seconds,
        {{ count_value("record ->> '弹幕'") }} as danmaku,
        _ingested_at,
        _source
    from source
{% endcall %},

latest as (
    {{ latest_load('renamed', ['account_id', 'title', 'published_at', 'period_start', 'period_end']) }}
)

select * from latest
