{#- The registry's social accounts (data sources such as the shop or the CRM have no
    account to model). -#}
with registry as (
    select * from {{ ref('stg_registry__accounts') }}
),

final as (
    select platform, account_id, account_name, account_role
    from registry
    where platform in (
        {%- for p in social_platforms() %}'{{ p.key }}'{{ ", " if not loop.last }}{% endfor -%}
    )
)

select * from final
