{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['platform', 'content_id'],
    on_schema_change='append_new_columns',
    post_hook="{{ contents_drop_unlisted() }}",
    meta={'written_by': 'written_at'}
) }}
{#- One row per content of every platform, from each platform's listing feed. A feed with
    a business_date repeats each content's attributes every day (the exports, the Official
    Account datacube): the latest day is kept, as listed_on, each attribute its latest
    known value (a Xiaohongshu note retitled that day has no 笔记列表 row of its new title
    yet: its publish time stays what it was). Attributes a feed does not have are null
    (the datacube does not say when an article was sent).

    Incremental: a run reads only its days of the dated feeds (not the tens of millions of
    content-days before them) and writes the contents whose attributes differ from the
    stored row's, a dated feed's only when its day is not older than the stored one, so a
    backfill of old days never replaces a newer listing. A content whose stored day the run
    re-stages without it (a corrected export left it out) is read again from all its days,
    or dropped when no day lists it any more (the post-hook contents_drop_unlisted).
    The listing feeds are one row per content already, so they are read whole; an unchanged
    content writes nothing. Every row written carries written_at (the build's transaction
    start), so dim_content classifies only the contents written since it last did. -#}
{#- a table built before listed_on was kept is read again whole, once -#}
{%- set diffed = building_on_previous() and 'listed_on' in column_names(this) %}
{%- set feeds = content_feeds() %}  {#- a describe of each feed: once #}
{%- set attributes = ['account_id', 'title', 'content_form', 'published_at', 'duration_seconds'] %}
{#- a dated feed's latest day, each attribute its latest known value (the feed has one row a
    content and day): latest_of, then `from`, then per_content -#}
{%- set latest_of %}
    select
        platform,
        content_id,
        {%- for a in attributes %}
        arg_max({{ a }}, listed_on) filter (where {{ a }} is not null) as {{ a }},
        {%- endfor %}
        max(listed_on) as listed_on
{%- endset %}
{%- set per_content = 'group by platform, content_id' %}
with
{%- for p in feeds %}
{%- set have, dated = p.have, p.dated %}
{%- set read %}
    select
        platform,
        content_id,
        account_id,
        title,
        content_form,
        {{ 'published_at' if 'published_at' in have else 'cast(null as timestamp with time zone) as published_at' }},
        {{ 'duration_seconds' if 'duration_seconds' in have else 'cast(null as integer) as duration_seconds' }},
        {{ 'business_date' if dated else 'cast(null as date)' }} as listed_on
    from {{ p.relation }}
    where platform = '{{ p.platform }}'
{%- endset %}
{%- if dated and diffed %}
{{ p.platform }}_left_out as (
    select content_id from {{ this }}
    where platform = '{{ p.platform }}' and {{ in_run_window('listed_on') }}
    except
    select content_id from {{ p.relation }}
    where platform = '{{ p.platform }}' and {{ in_run_window() }}
),

{{ p.platform }} as (
    {{ latest_of }}
    from ({{ read }} and {{ in_run_window() }}
        union all
        {{ read }} and content_id in (select content_id from {{ p.platform }}_left_out)
    )
    {{ per_content }}
),
{%- else %}
{{ p.platform }} as (
    {%- if dated %}
    {{ latest_of }}
    from ({{ read }})
    {{ per_content }}
    {%- else %}
    {{ read }}
    {%- endif %}
),
{%- endif %}
{%- endfor %}

unioned as (
    {%- for p in feeds %}
    select * from {{ p.platform }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

{% if diffed %}
{#- a dated feed's value the run's days lack is the stored one (its earlier days') -#}
{%- set kept = "case when u.listed_on >= t.listed_on then coalesce(u.{a}, t.{a}) else u.{a} end" %}
changed as (
    select
        platform,
        content_id,
        {%- for a in attributes %}
        {{ kept.replace('{a}', a) }} as {{ a }},
        {%- endfor %}
        u.listed_on
    from unioned as u
    left join {{ this }} as t using (platform, content_id)
    where t.content_id is null
        or (
            -- a listing feed's row (no day), a day not older, or a re-read left-out one
            (u.listed_on is null or u.listed_on >= t.listed_on or t.listed_on > u.listed_on
                and {{ in_run_window('t.listed_on') }})
            and (
                {%- for a in attributes %}
                {{ kept.replace('{a}', a) }} is distinct from t.{{ a }} or
                {%- endfor %}
                u.listed_on is distinct from t.listed_on
            )
        )
),
{% else %}
changed as (
    select * from unioned
),
{% endif %}

final as (
    select platform, content_id, {{ attributes | join(', ') }}, listed_on,
        current_timestamp as written_at
    from changed
)

select * from final
