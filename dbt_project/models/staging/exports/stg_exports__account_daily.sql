{#- Every export platform's per-account daily table (followers), typed by its layout in
    the platform table. A column a platform's export lacks is null. -#}
{%- set layouts = export_layouts('account_daily') %}
with
{%- for platform, x in layouts %}
{{ platform }} as (
    {{ export_source(platform, x) }}
),

{{ platform }}_typed as (
    select
        '{{ platform }}' as platform,
        {{ export_field(x, x.account) }} as account_id,
        cast(left({{ export_field(x, x.date) }}, 10) as date) as business_date,
        {{- export_counts(x, ['followers_total', 'new_followers', 'unfollows']) }}
        _ingested_at
    from {{ platform }}
    {{ export_version(x, export_field(x, x.account) ~ ", left(" ~ export_field(x, x.date) ~ ", 10)") }}
),
{%- endfor %}

{{ union_typed(layouts) }},

final as (
    {{ merged_parts('unioned', ['platform', 'account_id', 'business_date']) }}
)

select * from final
