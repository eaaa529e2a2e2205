with contents as not materialized (
    select * from {{ ref('int_contents') }}
),

taxonomy as (
    select * from {{ ref('content_taxonomy') }}
),

-- the first taxonomy keyword found in the title decides topic and funnel stage
classified as (
    select
        c.content_id,
        c.platform,
        t.topic_category,
        t.funnel_stage
    from contents as c
    join taxonomy as t on contains(c.title, t.keyword)
    qualify row_number() over (partition by c.platform, c.content_id order by t.keyword) = 1
),

final as (
    select
        platform || ':' || content_id as content_key,
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        content_id,
        title,
        content_form,
        content_form in ('short_video', 'long_video', 'video_note') as is_video,
        published_at,
        cast(published_at at time zone 'Asia/Shanghai' as date) as publish_date,
        duration_seconds,
        coalesce(classified.topic_category, '其他') as topic_category,
        coalesce(classified.funnel_stage, '认知') as funnel_stage,
        regexp_matches(coalesce(title, ''), '广告|#ad\b|赞助|合作推广') as is_ad
    from contents
    left join classified using (platform, content_id)
)

select * from final
