{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='content_key',
    on_schema_change='sync_all_columns',
    pre_hook="{{ written_since_pre_hook(scorecard_since(), scorecard_gone()) }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per content: its totals from publishing to the last loaded date and its rates
    (formulas of macros/kpi_rates.sql), and the taxonomy (topic, funnel stage, ad label)
    the operations team reviews it by. No rank: the reader ranks (docs/serving.md), as a
    day's views would move the ranks of most contents.

    Incremental (scorecard_since, macros/written_since.sql): a run writes the contents whose
    totals (fct_content_totals) or whose dim_content row were written since this table's
    newest updated_at; a content either no longer holds leaves (the pre-hook). Every
    content is written again when either was built again from nothing. -#}
{%- set since = scorecard_since() %}
with contents as (
    select * from {{ ref('dim_content') }}
),

totals as (
    select * from {{ ref('fct_content_totals') }}
),

{% if since %}
-- both reads filtered by a semi join on the day's few contents
touched as (
    select content_key from totals where updated_at > '{{ since }}'::timestamptz
    union
    select content_key from contents where updated_at > '{{ since }}'::timestamptz
),

written_contents as (
    select * from contents semi join touched using (content_key)
),

written_totals as (
    select * from totals semi join touched using (content_key)
),
{% else %}
written_contents as (
    select * from contents
),

written_totals as (
    select * from totals
),
{% endif %}

rated as (
    select
        *,
        {{ interactions() }} as interactions,
        {{ engagement_rate(interactions()) }} as engagement_rate,
        {{ share_rate() }} as share_rate,
        {{ ctr() }} as ctr,
        {{ completion_rate() }} as completion_rate
    from written_totals
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
        current_timestamp as updated_at
    from written_contents as c
    join rated as t using (content_key)
)

select * from final
