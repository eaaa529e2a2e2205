-- Bilibili serves cumulative totals only: a day's numbers are today's snapshot minus
-- yesterday's. Without yesterday's snapshot the day is unknown (null), except on the
-- publish day, when the whole lifetime fell on that day.
with arc_stat as (
    select * from {{ ref('stg_bilibili__arc_stat') }}
),

archives as (
    select * from {{ ref('stg_bilibili__archives') }}
),

with_previous as (
    select
        arc_stat.*,
        cast(archives.published_at at time zone 'Asia/Shanghai' as date) as publish_date,
        lag(business_date) over w as previous_date,
        lag(views_total) over w as prev_views,
        lag(likes_total) over w as prev_likes,
        lag(comments_total) over w as prev_comments,
        lag(shares_total) over w as prev_shares,
        lag(saves_total) over w as prev_saves,
        lag(coins_total) over w as prev_coins,
        lag(danmaku_total) over w as prev_danmaku
    from arc_stat
    left join archives using (content_id)
    window w as (partition by arc_stat.content_id order by business_date)
),

final as (
    select
        platform,
        content_id,
        account_id,
        business_date,
        {% for m in ['views', 'likes', 'comments', 'shares', 'saves', 'coins', 'danmaku'] %}
        case
            when previous_date = business_date - interval 1 day then {{ m }}_total - prev_{{ m }}
            when publish_date = business_date then {{ m }}_total
        end as {{ m }}{{ "," if not loop.last }}
        {% endfor %}
    from with_previous
)

select * from final
