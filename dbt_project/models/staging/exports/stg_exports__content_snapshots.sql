{{ staging_by_day() }}
{#- Every export platform's cumulative content list (视频号 作品列表, 知乎 内容分析), typed by
    its layout in the platform table: one row per content per snapshot day (the latest
    load of that day), each <metric>_total the content's total since publication as of the
    file's day. int_snapshots__content_daily takes a day's numbers as the difference of two
    days' totals. The list's lifetime 完播率 and 平均播放时长 become totals too: completed
    views (views × rate) and watch seconds (views × average). -#}
{%- set counts = ['views', 'likes', 'comments', 'shares', 'saves', 'follows_gained'] -%}
{% call(x) export_content_model(export_layouts('content_snapshots')) -%}
        {{- export_counts(x, counts, suffix='_total') }}
        cast(round(views_total * {{ export_value(x, 'completion_rate') }}) as bigint) as completed_views_total,
        views_total * {{ export_value(x, 'avg_watch_seconds') }} as watch_seconds_total,
{%- endcall %}
