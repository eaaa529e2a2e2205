{#- A KPI's status against its target (docs/kpis.md#targets-and-status): green when met,
    amber when missed by no more than amber_band of the target, red when missed by more,
    no_data when the value is unknown. -#}
{% macro kpi_status_of(value, comparator, target_value, amber_band) -%}
    case
        when {{ value }} is null then 'no_data'
        when {{ comparator }} = '>=' and {{ value }} >= {{ target_value }} then 'green'
        when {{ comparator }} = '<=' and {{ value }} <= {{ target_value }} then 'green'
        when {{ comparator }} = '>=' and {{ value }} >= {{ target_value }} * (1 - {{ amber_band }})
            then 'amber'
        when {{ comparator }} = '<=' and {{ value }} <= {{ target_value }} * (1 + {{ amber_band }})
            then 'amber'
        else 'red'
    end
{%- endmacro %}

{#- The rows of kpi_status (`this`) that a run writes again on every date: the matrix's,
    whose people KPIs kpi_matrix_daily restates whole each run; and every row when the
    targets are not those the stored rows were judged by (a target, comparator, amber band
    or name changed, a target's dates moved, a KPI added or removed), so that kpi_status is
    what a build from nothing gives. Stored rows that disagree with the target valid on
    their date, or a target that covers a stored date of its scope with no row of its KPI,
    show it. -#}
{% macro kpi_status_restated() -%}
    scope = 'matrix'
    or exists (
        select 1 from {{ this }} as s
        left join {{ ref('kpi_targets') }} as t
            on t.kpi = s.kpi and t.scope = s.scope and s.business_date >= t.valid_from
            and (t.valid_to is null or s.business_date < t.valid_to)
        where t.kpi is null
            or t.kpi_name is distinct from s.kpi_name
            or t.comparator is distinct from s.comparator
            or t.target_value is distinct from s.target_value
            or {{ kpi_status_of('s.value', 't.comparator', 't.target_value', 't.amber_band') }}
                is distinct from s.status
    )
    or exists (
        select 1 from {{ ref('kpi_targets') }} as t
        join (select distinct scope, business_date from {{ this }}) as d
            on d.scope = t.scope and d.business_date >= t.valid_from
            and (t.valid_to is null or d.business_date < t.valid_to)
        anti join {{ this }} as s
            on s.kpi = t.kpi and s.scope = t.scope and s.business_date = d.business_date
    )
{%- endmacro %}
