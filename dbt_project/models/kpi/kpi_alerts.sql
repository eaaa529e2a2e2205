{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window(lookahead=14) }}") }}
{#- One row per alert of a business date (SPEC R-K8), newest rules first:
    swing              a day's value moves more than 5% from its trailing 7-day baseline
                       (the mean of the 7 days before, at least 3 of them known), for
                       views, new followers and GMV of the matrix, each platform and each
                       account; `contributors` names the platforms / accounts / contents
                       whose own change explains most of it (溯源), biggest first.
    engagement_drop    an account's engagement rate is 20% or more below its baseline
                       (interactions / views of the 7 days before).
    below_target_2w    a KPI missed its target (amber or red) on each of the last 14 days:
                       the review flag.
    negative_comment   a comment holds a keyword of the seed negative_keywords; level 1
                       auto-reply, 2 human, 3 crisis; to be answered within 30 minutes.
    Incremental: a run rebuilds the alerts of its dates and of the 14 days after them (their
    baselines hold the run's dates), from the facts of 14 days before to 14 days after. -#}
with account_daily as (
    select * from {{ ref('kpi_account_daily') }}
    where {{ in_run_window(lookback=14, lookahead=14) }}
),

platform_daily as (
    select * from {{ ref('kpi_platform_daily') }}
    where {{ in_run_window(lookback=14, lookahead=14) }}
),

matrix_daily as (
    select * from {{ ref('kpi_matrix_daily') }}
    where {{ in_run_window(lookback=14, lookahead=14) }}
),

content_daily as (
    select * from {{ ref('fct_content_daily') }}
    where {{ in_run_window(lookback=7, lookahead=14) }}
),

status as (
    select * from {{ ref('kpi_status') }}
    where {{ in_run_window(lookback=14, lookahead=14) }}
),

keywords as (
    select * from {{ ref('negative_keywords') }}
),

all_comments as (
    select * from {{ ref('int_comments') }}
    where {{ in_run_window(lookahead=14) }}
),

-- (scope, key, parent key, date, kpi, value) for every level the swing rule watches
measures as (
    unpivot (
        select 'matrix' as scope, 'matrix' as scope_key, null as parent_key, business_date,
            cast(views as double) as views, cast(gross_new_followers as double) as new_followers,
            cast(total_gmv_yuan as double) as gmv_yuan
        from matrix_daily
        union all
        select 'platform', platform, 'matrix', business_date, views, gross_new_followers,
            gmv_yuan
        from platform_daily
        union all
        select 'account', account_key, platform, business_date, views, gross_new_followers,
            gmv_yuan
        from account_daily
        union all
        select 'content', content_key, account_key, business_date, views, null, null
        from content_daily
    ) on views, new_followers, gmv_yuan
    into name kpi value value
),

with_baseline as (
    select
        *,
        avg(value) over w as baseline,
        count(value) over w as baseline_days
    from measures
    window w as (
        partition by scope, scope_key, kpi order by business_date
        range between interval 7 day preceding and interval 1 day preceding
    )
),

swings as (
    select *, (value - baseline) / baseline as change_rate
    from with_baseline
    where scope <> 'content' and baseline_days >= 3 and baseline > 0
        and abs(value - baseline) / baseline > 0.05
),

child_changes as (
    select
        s.scope,
        s.scope_key,
        s.business_date,
        s.kpi,
        c.scope_key as child_key,
        c.value - c.baseline as child_change,
        s.value - s.baseline as total_change
    from swings as s
    join with_baseline as c
        on c.parent_key = s.scope_key
        and c.scope = case s.scope when 'matrix' then 'platform' when 'platform' then 'account'
            else 'content' end
        and c.business_date = s.business_date
        and c.kpi = s.kpi
    where c.baseline is not null
        and sign(c.value - c.baseline) = sign(s.value - s.baseline)
),

contributors as (
    select
        scope,
        scope_key,
        business_date,
        kpi,
        string_agg(
            child_key || ' ' || case when child_change > 0 then '+' else '' end
                || cast(round(child_change) as bigint),
            ', ' order by abs(child_change) desc
        ) filter (where rank <= 3) as contributors,
        sum(child_change) filter (where rank <= 3) / max(total_change) as contributors_share
    from (
        select *, row_number() over (
            partition by scope, scope_key, business_date, kpi order by abs(child_change) desc
        ) as rank
        from child_changes
    )
    group by all
),

swing_alerts as (
    select
        'swing' as alert_type,
        'info' as severity,
        s.business_date,
        s.scope,
        s.scope_key,
        s.kpi,
        s.value,
        s.baseline,
        s.change_rate,
        c.contributors,
        c.contributors_share,
        cast(null as integer) as alert_level,
        cast(null as timestamptz) as respond_by,
        s.scope_key || ' ' || s.kpi || ' ' || case when s.change_rate > 0 then '+' else '' end
            || round(s.change_rate * 100, 1) || '% vs 7-day baseline ('
            || round(s.value) || ' vs ' || round(s.baseline) || ')'
            || coalesce('; most of it: ' || c.contributors, '') as message
    from swings as s
    left join contributors as c using (scope, scope_key, business_date, kpi)
),

engagement as (
    select
        account_key,
        business_date,
        engagement_rate,
        sum(interactions) over w / nullif(sum(views) over w, 0) as baseline,
        count(views) over w as baseline_days
    from account_daily
    window w as (
        partition by account_key order by business_date
        range between interval 7 day preceding and interval 1 day preceding
    )
),

engagement_alerts as (
    select
        'engagement_drop' as alert_type,
        'warning' as severity,
        business_date,
        'account' as scope,
        account_key as scope_key,
        'engagement_rate' as kpi,
        engagement_rate as value,
        baseline,
        (engagement_rate - baseline) / baseline as change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        cast(null as integer) as alert_level,
        cast(null as timestamptz) as respond_by,
        account_key || ' engagement rate ' || round(engagement_rate * 100, 2) || '% is '
            || round((1 - engagement_rate / baseline) * 100, 1)
            || '% below its 7-day baseline ' || round(baseline * 100, 2) || '%' as message
    from engagement
    where baseline_days >= 3 and baseline > 0 and engagement_rate <= 0.8 * baseline
),

missed_runs as (
    select
        *,
        count(*) filter (where status in ('amber', 'red')) over w as missed_days,
        count(*) over w as days
    from status
    window w as (
        partition by kpi, scope, scope_key order by business_date
        range between interval 13 day preceding and current row
    )
),

review_alerts as (
    select
        'below_target_2w' as alert_type,
        'warning' as severity,
        business_date,
        scope,
        scope_key,
        kpi,
        value,
        target_value as baseline,
        cast(null as double) as change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        cast(null as integer) as alert_level,
        cast(null as timestamptz) as respond_by,
        scope_key || ' ' || kpi || ' missed its target (' || comparator || ' '
            || target_value || ') on each of the last 14 days: review' as message
    from missed_runs
    where days = 14 and missed_days = 14
),

comments as (
    select platform, account_id, content_id, comment_id, comment_text, commented_at,
        business_date
    from all_comments
),

flagged_comments as (
    select c.*, k.keyword, k.alert_level, k.level_name, k.action
    from comments as c
    join keywords as k on contains(c.comment_text, k.keyword)
    qualify row_number() over (
        partition by c.platform, c.comment_id order by k.alert_level desc, k.keyword
    ) = 1
),

comment_alerts as (
    select
        'negative_comment' as alert_type,
        case alert_level when 3 then 'critical' when 2 then 'warning' else 'info' end
            as severity,
        business_date,
        'content' as scope,
        platform || ':' || content_id as scope_key,
        'negative_comment' as kpi,
        cast(null as double) as value,
        cast(null as double) as baseline,
        cast(null as double) as change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        alert_level,
        commented_at + interval 30 minute as respond_by,
        '[' || level_name || '] ' || platform || ':' || content_id || ' comment "'
            || left(comment_text, 60) || '" (keyword ' || keyword || '): ' || action
            || ', reply by ' || strftime(
                (commented_at + interval 30 minute) at time zone 'Asia/Shanghai', '%Y-%m-%d %H:%M'
            ) || ' (Beijing time)'
            as message,
        -- two negative comments on one content in the same second are two alerts
        platform || ':' || comment_id as source_key
    from flagged_comments
),

alerts as (
    select *, cast(null as varchar) as source_key from swing_alerts
    union all select *, cast(null as varchar) from engagement_alerts
    union all select *, cast(null as varchar) from review_alerts
    union all select * from comment_alerts
),

final as (
    select
        md5(alert_type || '|' || scope || '|' || scope_key || '|' || kpi || '|'
            || business_date || '|' || coalesce(cast(respond_by as varchar), '')
            || coalesce('|' || source_key, ''))
            as alert_id,
        * exclude (source_key)
    from alerts
)

select * from final
where {{ in_run_window(lookahead=14) }}
