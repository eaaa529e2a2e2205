{#- One row per business date for the whole matrix: the roll-up of kpi_account_daily plus
    the KPIs that only exist matrix-wide (docs/requirements.md R-K3, R-K7):
      total_gmv_yuan            = account GMV + shop orders fct_orders attributes to no
                                  content or live session (unattributed_gmv_yuan)
      monetisation_share        = GMV sold by ad-labelled (广告) contents / total GMV
      roi                       = total_gmv_yuan / ad spend: ROI on all revenue (R-K3's
                                  revenue / spend); attributed_roi = gmv_yuan / ad spend
      platforms_for_70pct_traffic = fewest platforms whose views make 70% of the day's views
      top3_traffic_share        = views of the 3 largest platforms / the day's views; both
                                  over the views known that day, content by content (a
                                  platform with some contents unknown counts what it has)
      data_coverage             = accounts that reported (followers or any content) / accounts
      private_domain_conversion_rate = WeCom contacts (so far) who have ordered (so far)
                                  / WeCom contacts (so far)
      repurchase_rate_30d       = buyers of the last 30 days with 2+ orders in them / buyers
      new_customers             = people whose first order is that day
      cac_yuan                  = ad spend / new customers -#}
{{ kpi_rollup('matrix', 'day') }},

accounts as (
    select * from {{ ref('dim_account') }}
),

account_days as (
    select * from {{ ref('kpi_account_daily') }}
),

content_daily as (
    select * from {{ ref('fct_content_daily') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

interactions as (
    select * from {{ ref('fct_user_interactions') }}
),

days as (
    select business_date from final
),

{{ matrix_revenue('final', 'day') }},

platform_views as (
    select business_date, platform, sum(views) as views
    from content_daily
    where views > 0
    group by all
),

traffic as (
    select
        business_date,
        count(*) filter (where share_before < 0.7) as platforms_for_70pct_traffic,
        sum(views) filter (where platform_rank <= 3) / sum(views) as top3_traffic_share
    from (
        select
            business_date,
            views,
            row_number() over (
                partition by business_date order by views desc, platform
            ) as platform_rank,
            coalesce(
                sum(views) over (
                    partition by business_date order by views desc, platform
                    rows between unbounded preceding and 1 preceding
                ) / sum(views) over (partition by business_date),
                0
            ) as share_before
        from platform_views
    )
    group by all
),

coverage as (
    select
        business_date,
        count(*) filter (where followers_total is not null or contents_reporting > 0)
            / (select count(*) from accounts) as data_coverage
    from account_days
    group by all
),

-- each buyer's orders in order, with the dates of the orders before and after: one sort
-- of every order, read by first_orders and by the buyer spans below. Orders of one day are
-- left in any order: however they are ranked, the day's rows carry the same dates (the
-- first the date of the order before, the last that of the order after, the others that
-- day), so nothing below changes; sorting by the date alone took 0.4 s against 0.7 s with
-- the order id at `large`.
user_orders as (
    select
        unified_user_id,
        business_date,
        lag(business_date) over buyer as previous_order_date,
        lead(business_date) over buyer as next_order_date
    from orders
    where unified_user_id is not null
    window buyer as (partition by unified_user_id order by business_date)
),

-- the first of each buyer's orders, from the window above (a grouping of every order by
-- buyer besides it cost a fifth of the model at `large`)
first_orders as (
    select unified_user_id, business_date as first_order_date
    from user_orders
    where previous_order_date is null
),

contacts as (
    select unified_user_id, min(business_date) as added_date
    from interactions
    where interaction_type = 'private_domain_add' and unified_user_id is not null
    group by all
),

-- Contacts so far, and those who have also ordered so far, as running sums over the
-- calendar: a contact counts from the day they were added, and as ordered from the later
-- of that day and their first order (a days × contacts join grew with both).
contact_changes as (
    select c.added_date as business_date, 1 as contacts, 0 as contacts_ordered
    from contacts as c
    union all
    select greatest(c.added_date, f.first_order_date), 0, 1
    from contacts as c
    join first_orders as f using (unified_user_id)
),

running_contacts as (
    select
        business_date,
        cast(sum(sum(contacts)) over (order by business_date) as bigint) as contacts,
        cast(sum(sum(contacts_ordered)) over (order by business_date) as bigint)
            as contacts_ordered
    from contact_changes
    group by business_date
),

-- none before the first contact's day; no row at all (null KPIs) without any contact
private_domain as (
    select
        d.business_date,
        coalesce(r.contacts, 0) as contacts,
        coalesce(r.contacts_ordered, 0) as contacts_ordered
    from days as d
    asof left join running_contacts as r on d.business_date >= r.business_date
    where exists (select 1 from contacts)
),

-- Buyers of the 30 days to D without a days × orders join: an order makes its buyer a
-- buyer from its day to 29 days after, and an order 29 days or less after the buyer's order
-- before makes a repeat buyer from its day to 29 days after that one. Each span is cut
-- short at the buyer's next order, where the next span takes over, so that one person's
-- spans never overlap and their union is unchanged; a day counts the spans that cover it
-- (+1 at a span's start, -1 the day after its end, summed over the calendar). A span cut
-- to nothing (two orders on a day) adds and removes on the same day. least() skips the
-- null of a last order.
span_changes as (
    select business_date, 1 as buyers, 0 as repeat_buyers from user_orders
    union all
    select least(business_date + 30, next_order_date), -1, 0 from user_orders
    union all
    select business_date, 0, 1 from user_orders
    where business_date - previous_order_date <= 29
    union all
    select least(previous_order_date + 30, next_order_date), 0, -1 from user_orders
    where business_date - previous_order_date <= 29
),

running_buyers as (
    select
        business_date,
        sum(sum(buyers)) over (order by business_date) as buyers_30d,
        sum(sum(repeat_buyers)) over (order by business_date) as repeat_buyers_30d
    from span_changes
    group by business_date
),

repurchase as (
    select
        d.business_date,
        nullif(r.buyers_30d, 0) as buyers_30d,
        r.repeat_buyers_30d
    from days as d
    asof left join running_buyers as r on d.business_date >= r.business_date
),

new_customers as (
    select first_order_date as business_date, count(*) as new_customers
    from first_orders
    group by all
),

matrix as (
    select
        final.*,
        final.ad_content_gmv_yuan / nullif(final.total_gmv_yuan, 0) as monetisation_share,
        traffic.platforms_for_70pct_traffic,
        traffic.top3_traffic_share,
        coverage.data_coverage,
        private_domain.contacts as private_domain_contacts,
        private_domain.contacts_ordered / nullif(private_domain.contacts, 0)
            as private_domain_conversion_rate,
        repurchase.buyers_30d,
        repurchase.repeat_buyers_30d / nullif(repurchase.buyers_30d, 0) as repurchase_rate_30d,
        coalesce(new_customers.new_customers, 0) as new_customers,
        final.ad_spend_yuan / nullif(new_customers.new_customers, 0) as cac_yuan
    from with_revenue as final
    left join traffic using (business_date)
    left join coverage using (business_date)
    left join private_domain using (business_date)
    left join repurchase using (business_date)
    left join new_customers using (business_date)
)

select * from matrix
