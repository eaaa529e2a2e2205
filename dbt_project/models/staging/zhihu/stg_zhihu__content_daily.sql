{{ staging_by_day() }}
with source as (
    select * from {{ source('zhihu', 'content_daily') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'zhihu' as platform,
        record ->> '内容ID' as content_id,
        record ->> '账号ID' as account_id,
        business_date,
        record ->> '标题' as title,
        case record ->> '内容类型' when '回答' then 'answer' when '文章' then 'article' end
            as content_form,
        cast(replace(record ->> '发布时间', '/', '-') as timestamp) at time zone 'Asia/Shanghai'
            as published_at,
        {{ count_value("record ->> '阅读量'") }} as views,
        {{ count_value("record ->> '赞同'") }} as likes,
        {{ count_value("record ->> '喜欢'") }} as hearts,
        {{ count_value("record ->> '评论'") }} as comments,
        {{ count_value("record ->> '收藏'") }} as saves,
        {{ count_value("record ->> '分享'") }} as shares,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> '内容ID'") }}
)

select * from renamed
