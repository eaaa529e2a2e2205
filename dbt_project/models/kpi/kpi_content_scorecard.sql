{#- One row per content: its totals from publishing to the last loaded date and its rates
    (formulas of kpi_account_daily), its rank by views within its account, and the
    taxonomy (topic, funnel stage, ad label) the operations team reviews it by. -#}
with contents as (
    select * from {{ ref('dim_content') }}
),

totals as (
    select * from {{ ref('fct_content_totals') }}
),

final as (
    select
        c.content_key,
        c.account_key,
        c.platform,
        c.content_id,
        c.title,
        c.content_form,
        c.topic_category,
        c.funnel_stage,
        c.is_ad,
        c.publish_date,
        t.last_date as business_date,
        t.last_date - c.publish_date as days_since_publish,
        t.impressions,
        t.views,
        t.likes,
        t.comments,
        t.shares,
        t.saves,
        t.coins,
        t.danmaku,
        coalesce(t.likes, 0) + coalesce(t.comments, 0) + coalesce(t.shares, 0)
            + coalesce(t.saves, 0) as interactions,
        (coalesce(t.likes, 0) + coalesce(t.comments, 0) + coalesce(t.shares, 0)
            + coalesce(t.saves, 0)) / nullif(t.views, 0) as engagement_rate,
        t.shares / nullif(t.views, 0) as share_rate,
        t.views_with_impressions / nullif(t.impressions, 0) as ctr,
        t.completed_views / nullif(t.views_with_completions, 0) as completion_rate,
        -- equal views in content key order, so a rerun ranks alike
        rank() over (partition by c.account_key order by t.views desc nulls last, content_key)
            as views_rank_in_account
    from contents as c
    join totals as t using (content_key)
)

select * from final
