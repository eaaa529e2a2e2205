-- One row per account per business date of the loaded range: the daily review numbers.
-- Formulas (SPEC R-K1, R-K2):
--   interactions         = likes + comments + shares + saves; a metric the platform does
--                          not report counts as 0 (Douyin saves, WeChat OA likes)
--   engagement_rate      = interactions / views
--   completion_rate      = completed views / views, over the videos that report
--                          completions (null when the platform reports none)
--   follower_growth_rate_Nd = (followers_total - followers N days earlier)
--                          / followers N days earlier; null without that day's total
-- A content total is null when any content's number is unknown that day (never a partial sum).
with accounts as (
    select * from {{ ref('dim_account') }}
),

content_daily as (
    select * from {{ ref('fct_content_daily') }}
),

account_daily as (
    select * from {{ ref('fct_account_daily') }}
),

dates as (
    select distinct business_date from account_daily
    union
    select distinct business_date from content_daily
),

spine as (
    select accounts.account_key, accounts.platform, accounts.account_id, dates.business_date
    from accounts
    cross join dates
),

content_totals as (
    select
        account_key,
        business_date,
        count(*) as contents_reporting,
        {% for m in ['views', 'likes', 'comments', 'shares'] %}
        case when count(*) = count({{ m }}) then sum({{ m }}) end as {{ m }},
        {% endfor %}
        case when count(*) = count(saves) then sum(saves) end as saves,
        sum(completed_views) as completed_views,
        sum(views) filter (where completed_views is not null) as views_with_completions
    from content_daily
    group by account_key, business_date
),

joined as (
    select
        spine.*,
        coalesce(content_totals.contents_reporting, 0) as contents_reporting,
        content_totals.views,
        content_totals.likes,
        content_totals.comments,
        content_totals.shares,
        content_totals.saves,
        coalesce(content_totals.likes, 0) + coalesce(content_totals.comments, 0)
            + coalesce(content_totals.shares, 0) + coalesce(content_totals.saves, 0)
            as interactions,
        content_totals.completed_views,
        content_totals.views_with_completions,
        account_daily.followers_total,
        account_daily.net_new_followers,
        d1.followers_total as followers_1d_ago,
        d7.followers_total as followers_7d_ago,
        d30.followers_total as followers_30d_ago
    from spine
    left join content_totals
        on spine.account_key = content_totals.account_key
        and spine.business_date = content_totals.business_date
    left join account_daily
        on spine.account_key = account_daily.account_key
        and spine.business_date = account_daily.business_date
    left join account_daily as d1
        on spine.account_key = d1.account_key
        and d1.business_date = spine.business_date - interval 1 day
    left join account_daily as d7
        on spine.account_key = d7.account_key
        and d7.business_date = spine.business_date - interval 7 day
    left join account_daily as d30
        on spine.account_key = d30.account_key
        and d30.business_date = spine.business_date - interval 30 day
),

final as (
    select
        account_key,
        platform,
        account_id,
        business_date,
        contents_reporting,
        views,
        likes,
        comments,
        shares,
        saves,
        case when views is not null then interactions end as interactions,
        interactions / nullif(views, 0) as engagement_rate,
        completed_views,
        completed_views / nullif(views_with_completions, 0) as completion_rate,
        followers_total,
        net_new_followers,
        (followers_total - followers_1d_ago) / nullif(followers_1d_ago, 0)
            as follower_growth_rate_1d,
        (followers_total - followers_7d_ago) / nullif(followers_7d_ago, 0)
            as follower_growth_rate_7d,
        (followers_total - followers_30d_ago) / nullif(followers_30d_ago, 0)
            as follower_growth_rate_30d
    from joined
)

select * from final
