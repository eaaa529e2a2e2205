{#- Platforms that serve lifetime totals only (Bilibili, Kuaishou, Weibo): a day's numbers
    are that day's snapshot minus the previous day's. Without the previous day's snapshot
    the day is unknown (null), except on the publish day, when the whole lifetime fell on
    that day. `snapshots` has content_id, account_id, business_date and <metric>_total;
    `contents` has content_id and published_at. With decreases='null' (the export lists,
    whose totals never go down on the platform) a total smaller than the day before's gives
    null, not a negative day: the test totals_never_decrease flags the rows. Defines the
    CTEs <prefix>with_previous and <prefix>final. -#}
{% macro daily_from_snapshots(platform, snapshots, contents, metrics, prefix='', decreases='keep') %}
{{ prefix }}with_previous as (
    select
        {{ snapshots }}.*,
        cast({{ contents }}.published_at at time zone 'Asia/Shanghai' as date) as publish_date,
        lag({{ snapshots }}.business_date) over w as previous_date,
        {% for m in metrics %}
        lag({{ m }}_total) over w as previous_{{ m }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ snapshots }}
    left join {{ contents }} using (content_id)
    window w as (partition by {{ snapshots }}.content_id order by {{ snapshots }}.business_date)
),

{{ prefix }}final as (
    select
        '{{ platform }}' as platform,
        content_id,
        account_id,
        business_date,
        {% for m in metrics %}
        case
            when previous_date = business_date - interval 1 day
                {%- if decreases == 'null' %} and {{ m }}_total >= previous_{{ m }}{% endif %}
                then {{ m }}_total - previous_{{ m }}
            when publish_date = business_date then {{ m }}_total
        end as {{ m }}{{ "," if not loop.last }}
        {% endfor %}
    from {{ prefix }}with_previous
)
{% endmacro %}
