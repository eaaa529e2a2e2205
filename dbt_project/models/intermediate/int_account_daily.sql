{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_run_window() }}") }}
{#- One row per account per business date of every platform, from each platform's
    follower feed; the columns its metric mapping does not report are null.
    Incremental: a run rebuilds its dates (fct_account_daily's), the others stay. -#}
{%- set platforms = social_platforms() | selectattr('followers', 'defined') | list %}
with
{%- for p in platforms %}
{{ p.key }} as (
    select * from {{ ref(p.followers.model) }}
    where platform = '{{ p.key }}' and {{ in_run_window() }}
),
{%- endfor %}

unioned as (
    {%- for p in platforms %}
    select
        platform,
        account_id,
        business_date,
        {%- for column in ['followers_total', 'new_followers', 'unfollows'] %}
        {{ column if column in p.followers.columns else 'cast(null as bigint) as ' ~ column }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ p.key }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
