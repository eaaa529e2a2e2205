{#- One row per content: its totals from publishing to the last loaded date and its rates
    (formulas of macros/kpi_rates.sql), its rank by views within its account, and the
    taxonomy (topic, funnel stage, ad label) the operations team reviews it by. -#}
with contents as (
    select * from {{ ref('dim_content') }}
),

totals as (
    select * from {{ ref('fct_content_totals') }}
),

rated as (
    select
        *,
        {{ interactions() }} as interactions,
        {{ engagement_rate(interactions()) }} as engagement_rate,
        {{ share_rate() }} as share_rate,
        {{ ctr() }} as ctr,
        {{ completion_rate() }} as completion_rate
    from totals
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
        t.interactions,
        t.engagement_rate,
        t.share_rate,
        t.ctr,
        t.completion_rate,
        -- equal views in content key order, so a rerun ranks alike
        rank() over (partition by c.account_key order by t.views desc nulls last, content_key)
            as views_rank_in_account
    from contents as c
    join rated as t using (content_key)
)

select * from final
