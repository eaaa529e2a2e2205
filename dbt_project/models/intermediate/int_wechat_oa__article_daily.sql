{{ config(materialized='view') }}
{#- One row per Official Account article per business date, with the day's comments
    counted: the datacube has no comment counts. A view: int_content_daily reads only its
    run's dates, which reach both sides of the join (as a table it was rebuilt over the
    whole history every run, 3 s at `large`), and a comment listed late still counts. -#}
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
