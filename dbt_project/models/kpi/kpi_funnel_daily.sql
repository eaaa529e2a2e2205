{#- One row per platform (and 'all' for the whole matrix) per business date: the funnel
    exposure → view → interact → follow → private-domain add → order (docs/requirements.md R-K5), the
    conversion of each step (next / previous) and the step with the lowest conversion.
    Exposure is impressions where the platform reports them. A WeCom add is credited to
    the platform of the person's last interaction before it (last touch); orders to the
    platform of the content or live room that sold them. -#}
with account_daily as (
    select * from {{ ref('kpi_account_daily') }}
),

-- each add credited to the platform of the person's last touch before it, kept per person
-- on the day (kpi_credited_adds)
credited_adds as (
    select platform, business_date, count(*) as private_domain_adds
    from {{ ref('kpi_credited_adds') }}
    group by all
),

platform_day as (
    select
        platform,
        business_date,
        sum(impressions) as exposures,
        sum(views) as views,
        sum(interactions) as interactions,
        sum(gross_new_followers) as follows,
        sum(orders) as orders
    from account_daily
    group by all
),

per_platform as (
    select p.*, coalesce(c.private_domain_adds, 0) as private_domain_adds
    from platform_day as p
    left join credited_adds as c using (platform, business_date)
),

with_matrix as (
    select * from per_platform
    union all
    select 'all', business_date, sum(exposures), sum(views), sum(interactions), sum(follows),
        sum(orders), sum(private_domain_adds)
    from per_platform
    group by business_date
),

steps as (
    select
        *,
        views / nullif(exposures, 0) as view_rate,
        {{ engagement_rate() }} as interact_rate,
        follows / nullif(interactions, 0) as follow_rate,
        private_domain_adds / nullif(follows, 0) as private_domain_rate,
        orders / nullif(private_domain_adds, 0) as order_rate
    from with_matrix
),

final as (
    select
        platform,
        business_date,
        exposures,
        views,
        interactions,
        follows,
        private_domain_adds,
        orders,
        view_rate,
        interact_rate,
        follow_rate,
        private_domain_rate,
        order_rate,
        -- the step that loses the most: the lowest conversion among those known
        (
            select s.step from (
                select unnest([
                    {'step': 'exposure→view', 'rate': view_rate},
                    {'step': 'view→interact', 'rate': interact_rate},
                    {'step': 'interact→follow', 'rate': follow_rate},
                    {'step': 'follow→private_domain', 'rate': private_domain_rate},
                    {'step': 'private_domain→order', 'rate': order_rate}
                ], recursive := true)
            ) as s
            where s.rate is not null
            order by s.rate, s.step
            limit 1
        ) as largest_drop_off_step
    from steps
)

select * from final
