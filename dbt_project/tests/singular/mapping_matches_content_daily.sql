-- The seed platform_metric_mapping and the conformed content-days must tell the same story: a
-- platform reports a conformed column (has values) exactly when the seed maps a field to it.
-- Read from fct_content_daily, the stored copy of int_content_daily (a view): the same
-- rows and columns, without computing the view over the whole history.
{% set columns = content_metric_columns() | map(attribute=0) | list %}

with mapping as (
    select distinct platform, conformed_column
    from {{ ref('platform_metric_mapping') }}
    where conformed_column in ('{{ columns | join("', '") }}')
),

reported as (
    select
        platform,
        unnest(['{{ columns | join("', '") }}']) as conformed_column,
        unnest([{% for c in columns %}count({{ c }}) > 0{{ ", " if not loop.last }}{% endfor %}])
            as has_values
    from {{ ref('fct_content_daily') }}
    group by platform
),

violations as (
    select reported.platform, reported.conformed_column, reported.has_values,
        mapping.platform is not null as is_mapped
    from reported
    left join mapping using (platform, conformed_column)
    where reported.has_values <> (mapping.platform is not null)
)

select * from violations
