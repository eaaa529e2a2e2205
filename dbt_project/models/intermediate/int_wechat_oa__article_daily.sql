{#- One row per Official Account article per business date, with the day's comments
    counted: the datacube has no comment counts. -#}
with articles as (
    select * from {{ ref('stg_wechat_oa__article_daily') }}
),

comments as (
    select * from {{ ref('stg_wechat_oa__comments') }}
),

comment_counts as (
    select content_id, business_date, count(*) as comments
    from comments
    group by content_id, business_date
),

final as (
    select
        articles.*,
        coalesce(comment_counts.comments, 0) as comments
    from articles
    left join comment_counts using (content_id, business_date)
)

select * from final
