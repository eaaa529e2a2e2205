{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='content_key',
    on_schema_change='append_new_columns',
    pre_hook="{{ written_since_pre_hook(contents_since(), contents_gone()) }}",
    meta={'written_by': 'updated_at'}
) }}
{#- One row per content, classified by the seed content_taxonomy. Incremental
    (contents_since, macros/written_since.sql): a run classifies only the contents
    int_contents wrote since this table's newest updated_at, and a content int_contents no
    longer holds leaves (the pre-hook). Of those it writes only the rows that differ from
    the stored ones (rows_that_differ): a dated feed lists each content again every day
    (int_contents.listed_on moves), and at `large` 68K of a day's 73K such contents were
    otherwise written again as they were. Every content is classified again when the
    taxonomy is not the one that classified the stored rows (taxonomy_version), on a first
    build and when int_contents was built again from nothing. -#}
{%- set since = contents_since() %}
{%- set compared = ['content_key', 'account_key', 'platform', 'account_id', 'content_id',
    'title', 'content_form', 'is_video', 'published_at', 'publish_date', 'duration_seconds',
    'topic_category', 'funnel_stage', 'is_ad', 'taxonomy_version'] %}
with contents as not materialized (
    select * from {{ ref('int_contents') }}
    {%- if since %}
    where written_at > '{{ since }}'
    {%- endif %}
),

taxonomy as (
    select * from {{ ref('content_taxonomy') }}
),

-- the first taxonomy keyword found in the title decides topic and funnel stage
classified as (
    select
        c.content_id,
        c.platform,
        t.topic_category,
        t.funnel_stage
    from contents as c
    join taxonomy as t on contains(c.title, t.keyword)
    qualify row_number() over (partition by c.platform, c.content_id order by t.keyword) = 1
),

final as (
    select
        platform || ':' || content_id as content_key,
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        content_id,
        title,
        content_form,
        content_form in ('short_video', 'long_video', 'video_note') as is_video,
        published_at,
        cast(published_at at time zone 'Asia/Shanghai' as date) as publish_date,
        duration_seconds,
        coalesce(classified.topic_category, '其他') as topic_category,
        coalesce(classified.funnel_stage, '认知') as funnel_stage,
        regexp_matches(coalesce(title, ''), '广告|#ad\b|赞助|合作推广') as is_ad,
        ({{ taxonomy_version() }}) as taxonomy_version
    from contents
    left join classified using (platform, content_id)
),

written as (
    {%- if since %}
    {{ rows_that_differ('final', compared, key='content_key') }}
    {%- else %}
    select * from final
    {%- endif %}
),

stamped as (
    select *, current_timestamp as updated_at
    from written
)

select * from stamped
