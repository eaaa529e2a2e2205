{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_run_window(restated=\"scope = 'matrix'\") }}",
    meta={'window': {'lookback': 14, 'lookahead': 14}, 'written_by': 'updated_at'},
) }}
{%- set baseline_window = 7 -%}
{#- One row per alert of a business date (docs/requirements.md R-K8), newest rules first:
    swing              a day's value moves from its baseline, the mean of the trailing
                       7 days (those of them known: baseline_days), for views, new
                       followers and GMV of the matrix, each platform and each account;
                       `contributors` names the platforms / accounts / contents whose own
                       change explains most of it (溯源), biggest first.
    engagement_drop    an account's engagement rate falls below its baseline
                       (interactions / views of the 7 days before).
    below_target_2w    a KPI missed its target (amber or red) on each of the last 14 days:
                       the review flag.
    negative_comment   a comment holds a keyword of the seed negative_keywords; level 1
                       auto-reply, 2 human, 3 crisis; to be answered within 30 minutes.
    When a swing or an engagement drop is significant is declared once, in the seed
    alert_rules (one row per alert type, scope and KPI): the least relative and absolute
    move, the least baseline volume a day, the least baseline days, the severity. A KPI
    and scope without a row raise nothing. A baseline of fewer than 7 days says "(partial)".
    Names: platform name, account name (platform), 「content title」 in text; keys stay in
    scope_key. Every ordering breaks ties by key, and numbers in text are rounded (macros
    alert_text), so a rebuild gives the same rows. group_key (alert type and scope) and
    group_rank (1 = first to read: most severe, largest move, earliest deadline) let a
    digest show each group's top alerts.
    Contents are read only for 溯源: the contents of the accounts whose views swung on a
    rebuilt date, that day and the 7 before it (not a 7-day window over every content-day).
    Incremental: a run rebuilds the alerts of its dates and of the 14 days after them (their
    baselines hold the run's dates), from the facts of 14 days before (contents: 7) to 14
    days after; and the matrix's alerts of every date, as kpi_matrix_daily is restated
    whole each run (its people KPIs follow the day's merges; a few rows a date), so they
    are what a rebuild gives. updated_at stamps the rows a build wrote (the publish
    rewrites those dates alone, without hashing the table). -#}
with account_daily as (
    select * from {{ ref('kpi_account_daily') }}
    where {{ in_run_window(with_lookback=true) }}
),

-- whole: the platforms are the contributors of the matrix's swings (a few rows a date)
platform_daily as (
    select * from {{ ref('kpi_platform_daily') }}
),

matrix_daily as (
    select * from {{ ref('kpi_matrix_daily') }}
),

content_daily as (
    select * from {{ ref('fct_content_daily') }}
    where {{ in_run_window(with_lookback=baseline_window) }}
),

status as (
    select * from {{ ref('kpi_status') }}
    where scope = 'matrix' or {{ in_run_window(with_lookback=true) }}
),

rules as (
    select * from {{ ref('alert_rules') }}
),

keywords as (
    select * from {{ ref('negative_keywords') }}
),

platforms as (
    select * from {{ ref('dim_platform') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

contents as (
    select * from {{ ref('dim_content') }}
),

all_comments as (
    select * from {{ ref('int_comments') }}
    where {{ in_run_window() }}
),

-- (scope, key, parent key, date, kpi, value) for every level the swing rule watches; null
-- values are left out (unpivot), so a baseline is the mean of the known days
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
    ) on views, new_followers, gmv_yuan
    into name kpi value value
),

swing_baselines as (
    select
        *,
        avg(value) over w as baseline,
        count(value) over w as baseline_days
    from measures
    window w as (
        partition by scope, scope_key, kpi order by business_date
        range between interval {{ baseline_window }} day preceding and interval 1 day preceding
    )
),

engagement_baselines as (
    select
        account_key,
        business_date,
        engagement_rate,
        {{ engagement_rate('sum(interactions) over w', 'sum(views) over w') }} as baseline,
        count(views) over w as baseline_days,
        sum(views) over w / nullif(count(views) over w, 0) as baseline_views
    from account_daily
    window w as (
        partition by account_key order by business_date
        range between interval {{ baseline_window }} day preceding and interval 1 day preceding
    )
),

-- every value the rules judge, with its baseline and the volume the baseline rests on
-- (the KPI's own baseline for a count, the baseline's views a day for a rate)
candidates as (
    select 'swing' as alert_type, scope, scope_key, business_date, kpi, value, baseline,
        baseline_days, baseline as baseline_volume
    from swing_baselines
    union all
    select 'engagement_drop', 'account', account_key, business_date, 'engagement_rate',
        engagement_rate, baseline, baseline_days, baseline_views
    from engagement_baselines
),

-- the seed alert_rules applied: a move (in the rule's direction) of at least
-- min_change_rate of the baseline and at least min_abs_change, on a baseline of at least
-- min_baseline_volume a day over at least min_baseline_days days
judged as (
    select
        c.*,
        r.severity,
        r.min_change_rate,
        r.min_abs_change,
        r.min_baseline_volume,
        r.min_baseline_days,
        case r.direction
            when 'up' then c.value - c.baseline
            when 'down' then c.baseline - c.value
            else abs(c.value - c.baseline)
        end as move
    from candidates as c
    join rules as r using (alert_type, scope, kpi)
    where c.baseline > 0
),

significant as (
    select
        alert_type,
        scope,
        scope_key,
        business_date,
        kpi,
        value,
        baseline,
        baseline_days,
        severity,
        (value - baseline) / baseline as change_rate
    from judged
    where baseline_days >= min_baseline_days
        and baseline_volume >= coalesce(min_baseline_volume, 0)
        and move > 0
        and move >= min_change_rate * baseline
        and move >= coalesce(min_abs_change, 0)
),

swings as (
    select * from significant
    where alert_type = 'swing'
),

-- contents only matter as the 溯源 of an account's views swing: their baselines are
-- computed for the swung account-days of the run's dates alone, not for every content-day
swung_accounts as (
    select scope_key as account_key, business_date
    from swings
    where scope = 'account' and kpi = 'views' and {{ in_run_window() }}
),

-- a swung account-day and the 7 days before it: the content-days its contents' baselines
-- are read from (a content belongs to one account)
swung_spans as (
    select distinct
        account_key,
        business_date - cast(unnest(range(0, {{ baseline_window + 1 }})) as integer)
            as business_date
    from swung_accounts
),

-- each content's baseline is the mean of its known views of the 7 days before (as
-- swing_baselines), a window over those days' rows only: at `large`, 9.8M of the
-- year's 54.7M content-days. A join of each swung content-day to its 7 dates read the
-- facts twice, and the model over the year took 36 s against 16 s standalone.
content_spans as (
    select
        c.content_key,
        c.account_key,
        c.business_date,
        cast(c.views as double) as value,
        avg(cast(c.views as double)) over (
            partition by c.content_key order by c.business_date
            range between interval {{ baseline_window }} day preceding
                and interval 1 day preceding
        ) as baseline
    from content_daily as c
    semi join swung_spans as s using (account_key, business_date)
),

content_baselines as (
    select
        'content' as scope,
        c.content_key as scope_key,
        c.account_key as parent_key,
        c.business_date,
        'views' as kpi,
        c.value,
        c.baseline
    from content_spans as c
    semi join swung_accounts as s using (account_key, business_date)
    where c.value is not null and c.baseline is not null
),

children as (
    select scope, scope_key, parent_key, business_date, kpi, value, baseline
    from swing_baselines
    where scope <> 'matrix'
    union all
    select * from content_baselines
),

child_changes as (
    select
        s.scope,
        s.scope_key,
        s.business_date,
        s.kpi,
        c.scope as child_scope,
        c.scope_key as child_key,
        c.value - c.baseline as child_change,
        s.value - s.baseline as total_change
    from swings as s
    join children as c
        on c.parent_key = s.scope_key
        and c.scope = case s.scope when 'matrix' then 'platform' when 'platform' then 'account'
            else 'content' end
        and c.business_date = s.business_date
        and c.kpi = s.kpi
    where c.baseline is not null
        and sign(c.value - c.baseline) = sign(s.value - s.baseline)
),

-- biggest change first as the text shows it; equal changes in key order
ranked_children as (
    select
        *,
        row_number() over (
            partition by scope, scope_key, business_date, kpi
            order by abs({{ alert_rounded('child_change') }}) desc, child_key
        ) as contributor_rank
    from child_changes
),

comments as (
    select platform, account_id, content_id, comment_id, comment_text, commented_at,
        business_date
    from all_comments
),

flagged_comments as (
    select
        c.*,
        c.platform || ':' || c.content_id as content_key,
        c.platform || ':' || c.account_id as account_key,
        k.keyword,
        k.alert_level,
        k.level_name,
        k.action
    from comments as c
    join keywords as k on contains(c.comment_text, k.keyword)
    qualify row_number() over (
        partition by c.platform, c.comment_id order by k.alert_level desc, k.keyword
    ) = 1
),

-- the name a reader knows each key by; a key without a name is shown as itself. Of the
-- contents, only those an alert names: the contributors to an account's swing and the
-- contents of negative comments (naming all 2M titles cost half the model at `large`)
named_contents as (
    select child_key as content_key
    from ranked_children
    where child_scope = 'content' and contributor_rank <= 3
    union
    select content_key from flagged_comments
),

names as (
    select 'matrix' as scope, 'matrix' as scope_key, 'matrix' as scope_name
    union all
    select 'platform', platform, platform_name
    from platforms
    union all
    select 'account', a.account_key,
        coalesce(a.account_name, a.account_id) || ' ('
            || coalesce(p.platform_name, a.platform) || ')'
    from accounts as a
    left join platforms as p using (platform)
    union all
    select 'content', content_key,
        '「' || left(title, 32) || case when length(title) > 32 then '…' else '' end || '」'
    from contents
    semi join named_contents using (content_key)
    where nullif(trim(title), '') is not null
),

contributors as (
    select
        r.scope,
        r.scope_key,
        r.business_date,
        r.kpi,
        string_agg(
            coalesce(n.scope_name, r.child_key) || ' '
                || {{ alert_count_text('r.child_change', signed=true) }},
            ', ' order by r.contributor_rank
        ) as contributors,
        -- summed in rank order: a parallel sum of doubles differs in the last bits
        sum(r.child_change order by r.contributor_rank) / max(r.total_change)
            as contributors_share
    from ranked_children as r
    left join names as n on n.scope = r.child_scope and n.scope_key = r.child_key
    where r.contributor_rank <= 3
    group by all
),

swing_alerts as (
    select
        'swing' as alert_type,
        s.severity,
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
        coalesce(n.scope_name, s.scope_key) || ' '
            || case s.kpi when 'new_followers' then 'new followers'
                when 'gmv_yuan' then 'GMV (元)' else s.kpi end || ' '
            || {{ alert_percent_text('s.change_rate', signed=true) }} || ' vs '
            || s.baseline_days || '-day baseline'
            || case when s.baseline_days < {{ baseline_window }} then ' (partial)' else '' end
            || ': ' || {{ alert_count_text('s.value') }} || ' vs '
            || {{ alert_count_text('s.baseline') }}
            || coalesce('; most of it: ' || c.contributors, '') as message,
        n.scope_name,
        s.baseline_days,
        cast(null as varchar) as source_key
    from swings as s
    left join contributors as c using (scope, scope_key, business_date, kpi)
    left join names as n using (scope, scope_key)
),

engagement_alerts as (
    select
        'engagement_drop' as alert_type,
        e.severity,
        e.business_date,
        e.scope,
        e.scope_key,
        e.kpi,
        e.value,
        e.baseline,
        e.change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        cast(null as integer) as alert_level,
        cast(null as timestamptz) as respond_by,
        coalesce(n.scope_name, e.scope_key) || ' engagement rate '
            || {{ alert_percent_text('e.value', digits=2) }} || ' is '
            || {{ alert_percent_text('-e.change_rate') }} || ' below its '
            || e.baseline_days || '-day baseline'
            || case when e.baseline_days < {{ baseline_window }} then ' (partial)' else '' end
            || ' ' || {{ alert_percent_text('e.baseline', digits=2) }} as message,
        n.scope_name,
        e.baseline_days,
        cast(null as varchar) as source_key
    from significant as e
    left join names as n using (scope, scope_key)
    where e.alert_type = 'engagement_drop'
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
        m.business_date,
        m.scope,
        m.scope_key,
        m.kpi,
        m.value,
        m.target_value as baseline,
        cast(null as double) as change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        cast(null as integer) as alert_level,
        cast(null as timestamptz) as respond_by,
        coalesce(n.scope_name, m.scope_key) || ' ' || m.kpi || ' missed its target ('
            || m.comparator || ' ' || m.target_value
            || ') on each of the last 14 days: review' as message,
        n.scope_name,
        cast(null as bigint) as baseline_days,
        cast(null as varchar) as source_key
    from missed_runs as m
    left join names as n using (scope, scope_key)
    where m.days = 14 and m.missed_days = 14
),

comment_alerts as (
    select
        'negative_comment' as alert_type,
        case f.alert_level when 3 then 'critical' when 2 then 'warning' else 'info' end
            as severity,
        f.business_date,
        'content' as scope,
        f.content_key as scope_key,
        'negative_comment' as kpi,
        cast(null as double) as value,
        cast(null as double) as baseline,
        cast(null as double) as change_rate,
        cast(null as varchar) as contributors,
        cast(null as double) as contributors_share,
        f.alert_level,
        f.commented_at + interval 30 minute as respond_by,
        '[' || f.level_name || '] ' || coalesce(an.scope_name, f.account_key) || ' '
            || coalesce(cn.scope_name, f.content_key) || ' comment "'
            || left(f.comment_text, 60) || '" (keyword ' || f.keyword || '): ' || f.action
            || ', reply by ' || strftime(
                (f.commented_at + interval 30 minute) at time zone 'Asia/Shanghai',
                '%Y-%m-%d %H:%M'
            ) || ' (Beijing time)'
            as message,
        cn.scope_name,
        cast(null as bigint) as baseline_days,
        -- two negative comments on one content in the same second are two alerts
        f.platform || ':' || f.comment_id as source_key
    from flagged_comments as f
    left join names as an on an.scope = 'account' and an.scope_key = f.account_key
    left join names as cn on cn.scope = 'content' and cn.scope_key = f.content_key
),

alerts as (
    select * from swing_alerts
    union all select * from engagement_alerts
    union all select * from review_alerts
    union all select * from comment_alerts
),

identified as (
    select
        md5(alert_type || '|' || scope || '|' || scope_key || '|' || kpi || '|'
            || business_date || '|' || coalesce(cast(respond_by as varchar), '')
            || coalesce('|' || source_key, ''))
            as alert_id,
        * exclude (source_key)
    from alerts
),

final as (
    select
        alert_id,
        alert_type,
        severity,
        business_date,
        scope,
        scope_key,
        kpi,
        value,
        baseline,
        change_rate,
        contributors,
        contributors_share,
        alert_level,
        respond_by,
        message,
        scope_name,
        baseline_days,
        alert_type || ':' || scope as group_key,
        row_number() over (
            partition by business_date, alert_type, scope
            order by
                case severity when 'critical' then 1 when 'warning' then 2 else 3 end,
                round(abs(change_rate), 6) desc nulls last,
                respond_by nulls last,
                scope_key,
                kpi,
                alert_id
        ) as group_rank,
        current_timestamp as updated_at
    from identified
)

select * from final
-- the run's dates, and the matrix's on every date (the pre-hook's restated rows)
where {{ in_run_window() }} or scope = 'matrix'
