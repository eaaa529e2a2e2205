{#- One row per platform or data source of the matrix (docs/requirements.md §3 keys). -#}
with platforms as (
    select * from {{ ref('platforms') }}
),

final as (
    select platform, platform_name, platform_name_en, delivery, is_social
    from platforms
)

select * from final
