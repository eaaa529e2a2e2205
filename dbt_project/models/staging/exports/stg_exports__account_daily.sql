{#- Every export platform's per-account daily table (followers), typed by its layout in
    the platform table. A column a platform's export lacks is null. -#}
{%- set layouts = export_layouts('account_daily') %}
with
{%- for platform, x in layouts %}
{%- set typed %}
    select
        '{{ platform }}' as platform,
        record ->> '{{ x.account }}' as account_id,
        cast(left(record ->> '{{ x.date }}', 10) as date) as business_date,
        {{- export_counts(x, ['followers_total', 'new_followers', 'unfollows']) }}
        {{- export_load(platform, x) }}
{%- endset %}
{{ parsed_ctes(source(platform, x.entity), typed, platform, platform ~ '_typed', where='true') }},
{%- endfor %}

final as (
    {{ merged_versions(layouts, ['platform', 'account_id', 'business_date']) }}
)

select * from final
