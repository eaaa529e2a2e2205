{#- One row per KPI target and version (docs/requirements.md R-K7), from the seed kpi_targets.csv: the
    operations plan's numbers, valid from valid_from until the day before valid_to (open
    when empty). A change of target is a new row, so history keeps the old one. -#}
with targets as (
    select * from {{ ref('kpi_targets_seed') }}
),

final as (
    select
        kpi,
        kpi_name,
        scope,
        comparator,
        target_value,
        amber_band,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        source
    from targets
)

select * from final
