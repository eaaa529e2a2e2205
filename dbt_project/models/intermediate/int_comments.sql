{{ config(materialized='view') }}
{#- One row per comment of every platform that serves comments (its comments feed in the
    platform table), with the commenter's id typed as the table says: an id unique
    within one account only (a WeChat openid) is typed <type>:<account_id>, and its
    record key carries the account too. Classification of user_id: personal. -#}
{%- set platforms = social_platforms() | selectattr('comments', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }} as (
    select * from {{ ref(p.comments) }}
),
{%- endfor %}

unioned as (
    {%- for p in platforms %}
    select
        platform,
        account_id,
        content_id,
        comment_id,
        {% if p.user_ids_per_account -%}
        account_id || '/' || comment_id as record_key,
        '{{ p.user_id_type }}:' || account_id as user_id_type,
        {%- else -%}
        comment_id as record_key,
        '{{ p.user_id_type }}' as user_id_type,
        {%- endif %}
        user_id,
        comment_text,
        commented_at,
        business_date
    from {{ p.key }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
