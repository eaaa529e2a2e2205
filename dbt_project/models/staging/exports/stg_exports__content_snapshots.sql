{{ staging_by_day() }}
{#- Every export platform's cumulative content list (视频号 作品列表, 知乎 内容分析), typed by
    its layout in the platform table: one row per content per snapshot day (the latest
    load of that day), each <metric>_total the content's total since publication as of the
    file's day. int_snapshots__content_daily takes a day's numbers as the difference of two
    days' totals. The list's lifetime 完播率 and 平均播放时长 become totals too: completed
    views (views × rate) and watch seconds (views × average). -#}
{%- set counts = ['views', 'likes', 'comments', 'shares', 'saves', 'follows_gained'] -%}
{%- set layouts = export_layouts('content_snapshots') %}
with
{%- for platform, x in layouts %}
{{ platform }} as (
    select * from {{ source(platform, x.entity) }}
    where {{ in_run_window() }}
),

{{ platform }}_typed as (
    select
        {{- export_content(platform, x) }}
        {{- export_counts(x, counts, suffix='_total') }}
        {% if 'completion_rate' in x.columns -%}
        cast(round(views_total * {{ rate_value("record ->> '" ~ x.columns.completion_rate ~ "'") }}) as bigint)
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as completed_views_total,
        {% if 'avg_watch_seconds' in x.columns -%}
        views_total * cast(record ->> '{{ x.columns.avg_watch_seconds }}' as double)
        {%- else -%}
        cast(null as double)
        {%- endif %} as watch_seconds_total,
        _ingested_at
    from {{ platform }}
    {{ latest_by("business_date, record ->> '" ~ x.content_id ~ "'") }}
),
{%- endfor %}

{{ union_typed(layouts) }}

select * from unioned
