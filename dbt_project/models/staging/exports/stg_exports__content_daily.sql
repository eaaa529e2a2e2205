{{ staging_by_day() }}
{#- Every export platform's per-content daily table, typed by its layout in the platform
    table: a header per column, counts through count_value, rates through rate_value.
    Export times are Beijing wall-clock times without an offset ("2026-11-20 08:00" or
    "2026/11/20 08:00"). A column a platform's export lacks is null. -#}
{%- set counts = ['impressions', 'views', 'likes', 'comments', 'shares', 'saves', 'follows_gained'] -%}
{%- set layouts = export_layouts('content_daily') %}
with
{%- for platform, x in layouts %}
{{ platform }} as (
    select * from {{ source(platform, x.entity) }}
    where {{ in_run_window() }}
),

{{ platform }}_typed as (
    select
        '{{ platform }}' as platform,
        record ->> '{{ x.content_id }}' as content_id,
        record ->> '{{ x.account }}' as account_id,
        business_date,
        record ->> '{{ x.title }}' as title,
        {% if x.form -%}
        '{{ x.form }}'
        {%- else -%}
        case record ->> '{{ x.form_column }}'
            {%- for shown, form in x.forms.items() %} when '{{ shown }}' then '{{ form }}'{% endfor %} end
        {%- endif %} as content_form,
        cast(replace(record ->> '{{ x.published_at }}', '/', '-') as timestamp) at time zone 'Asia/Shanghai'
            as published_at,
        {{- export_counts(x, counts) }}
        {% if 'avg_watch_seconds' in x.columns -%}
        cast(record ->> '{{ x.columns.avg_watch_seconds }}' as double)
        {%- else -%}
        cast(null as double)
        {%- endif %} as avg_watch_seconds,
        {% if 'completion_rate' in x.columns -%}
        {{ rate_value("record ->> '" ~ x.columns.completion_rate ~ "'") }}
        {%- else -%}
        cast(null as double)
        {%- endif %} as completion_rate,
        _ingested_at
    from {{ platform }}
    {{ export_version("business_date, record ->> '" ~ x.content_id ~ "'") }}
),
{%- endfor %}

{{ union_typed(layouts) }},

merged as (
    {{ merged_parts('unioned', ['platform', 'content_id', 'business_date']) }}
),

{#- a file without publish time and form (XHS 数据明细表) takes those of its account's
    latest listed content of the same title (the layout's listed_in) #}
listed as (
    {%- for platform, x in layouts if x.listed_in %}
    select
        '{{ platform }}' as platform,
        account_id,
        title,
        arg_max(published_at, period_end) as published_at,
        arg_max(content_form, period_end) as content_form
    from {{ ref(x.listed_in) }}
    group by account_id, title
    union all
    {%- endfor %}
    select
        null as platform,
        null as account_id,
        null as title,
        cast(null as timestamptz) as published_at,
        null as content_form
    where false
),

final as (
    select
        merged.platform,
        merged.content_id,
        merged.account_id,
        merged.business_date,
        merged.title,
        coalesce(merged.content_form, listed.content_form) as content_form,
        coalesce(merged.published_at, listed.published_at) as published_at,
        merged.* exclude (
            platform, content_id, account_id, business_date, title, content_form, published_at
        )
    from merged
    left join listed
        on merged.platform = listed.platform
        and merged.account_id = listed.account_id
        and merged.title = listed.title
)

select * from final
