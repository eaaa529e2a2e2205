{#- One row per content of every platform, from each platform's listing feed. A feed with
    a business_date repeats each content's attributes every day (the exports, the Official
    Account datacube): the latest day is kept. Attributes a feed does not have are null
    (the datacube does not say when an article was sent). -#}
{%- set platforms = social_platforms() | selectattr('contents', 'defined') | list %}
with
{%- for p in platforms %}
{%- set have = column_names(ref(p.contents)) %}
{{ p.key }} as (
    select
        platform,
        content_id,
        account_id,
        title,
        content_form,
        {{ 'published_at' if 'published_at' in have else 'cast(null as timestamp with time zone) as published_at' }},
        {{ 'duration_seconds' if 'duration_seconds' in have else 'cast(null as integer) as duration_seconds' }}
    from {{ ref(p.contents) }}
    where platform = '{{ p.key }}'
    {%- if 'business_date' in have %}
    qualify row_number() over (partition by content_id order by business_date desc) = 1
    {%- endif %}
),
{%- endfor %}

unioned as (
    {%- for p in platforms %}
    select * from {{ p.key }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
