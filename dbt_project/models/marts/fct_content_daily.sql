{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}",
          on_schema_change='append_new_columns',
          meta={'window': {'lookahead': 1}, 'written_by': 'updated_at'}) }}
{#- One row per content and business date. updated_at stamps the rows a build wrote (its
    window's dates): the publish hashes those dates alone (docs/serving.md). The run's
    dates and the day after (a snapshot platform's day is the difference with the day
    before, so a new day changes the next) are read through the view int_content_daily,
    whose filter reaches each platform's staging. -#}
with content_daily as (
    select * from {{ ref('int_content_daily') }}
    where {{ in_run_window() }}
),

final as (
    select
        platform || ':' || content_id as content_key,
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        content_id,
        business_date,
        impressions,
        views,
        likes,
        comments,
        shares,
        saves,
        coins,
        danmaku,
        completed_views,
        avg_watch_seconds,
        follows_gained,
        current_timestamp as updated_at
    from content_daily
)

select * from final
