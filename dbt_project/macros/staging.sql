{#- The two shapes an API platform's staging model takes. The model names its source entity
    and maps the raw JSON onto typed columns (`columns`: column → SQL expression over
    `record`, in the order the model's columns have); these macros add what every model of
    the shape does the same way: the platform column, the run window, the lineage columns
    and the choice of the latest load. -#}

{#- A listing (contents, comments): one row per `key`, its attributes as last listed (see
    latest_listing). `key` is a column or a list of columns that together identify a row. -#}
{% macro stage_listing(platform, entity, columns, key='content_id') %}
{%- set keys = [key] if key is string else key -%}
{{ config(materialized='incremental', unique_key=key, incremental_strategy='delete+insert') }}
with {{ renamed_source(platform, entity, columns, lineage='_ingested_at, _source') }},

{{ latest_listing('renamed', key=keys | join(" || '/' || ")) }}

select * from final
{% endmacro %}

{#- Numbers of a day: one row per `key` columns (business_date among them), the latest load
    of that day. The model chooses its materialization (staging_by_day() where the entity is
    large enough to rebuild by day). -#}
{% macro stage_daily(platform, entity, columns, key) %}
with {{ renamed_source(platform, entity, columns, lineage='_ingested_at, _source') }},

latest as (
    {{ latest_load('renamed', key) }}
)

select * from latest
{% endmacro %}

{#- The CTEs `source` (the run's days of the raw table) and `renamed` (the typed columns,
    then `lineage`). The record's JSON is parsed once per row (read_once), not once per key
    read. -#}
{% macro renamed_source(platform, entity, columns, lineage) -%}
{%- set renamed %}
    select
        '{{ platform }}' as platform,
        {%- for column, expression in columns.items() %}
        {{ expression }}{{ ' as ' ~ column if expression != column }},
        {%- endfor %}
        {{ lineage }}
    from source
{%- endset -%}
{{ parsed_ctes(source(platform, entity), renamed) }}
{%- endmacro %}

{#- The CTEs `source` (the run's days of `relation`) and `renamed`, the select from
    `source` in the call's body, for a staging model that types its rows by hand. -#}
{% macro read_source(relation) -%}
{{ parsed_ctes(relation, caller()) }}
{%- endmacro %}

{#- Two CTEs: `raw` (the rows of `relation` that `where` keeps) and `typed` (the select
    `body` from `raw`), with the record's JSON parsed once per row for every key `body`
    reads (read_once), not once per key read. `raw` is not materialized: where `typed` is
    read more than once (the latest load's repeated keys), DuckDB would otherwise keep
    every raw row and its record first (at `large`, a year of the export staging:
    stg_exports__content_daily 84.5 -> 65.0 CPU-s, content_snapshots 48.2 -> 40.1). -#}
{% macro parsed_ctes(relation, body, raw='source', typed='renamed', where=none) -%}
{%- set read = read_once([body]) -%}
{{ raw }} as not materialized (
    select *{{ ', ' ~ read.fields ~ ' as fields' if read.fields }}
    from {{ relation }}
    where {{ in_run_window() if where is none else where }}
),

{{ typed }} as ({{ read.expressions[0] }}
)
{%- endmacro %}

{#- `expressions` over a raw row with each `record ->> '<key>'` read from `fields`, the
    values of those keys as text from one parse of the record's JSON (json_extract_string
    of a list of keys is ->> of each key): {'fields': the SQL of that column, none when no
    expression reads a key; 'expressions': the expressions rewritten, in order}. -#}
{% macro read_once(expressions) -%}
    {#- record ->> 'key', and record -> 'object' ->> 'key' read as the path $.object.key -#}
    {%- set pattern = "record (?:-> '([A-Za-z0-9_]+)' )?->> '((?:[^']|'')*)'" -%}
    {%- set reads = [] -%}
    {%- for expression in expressions -%}
        {%- for outer, key in modules.re.findall(pattern, expression) -%}
            {%- set read = (outer, key) -%}
            {%- if read not in reads -%}
                {%- do reads.append(read) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set rewritten = [] -%}
    {%- for expression in expressions -%}
        {%- set text = namespace(value=expression) -%}
        {%- for outer, key in reads -%}
            {%- set written = "record " ~ ("-> '" ~ outer ~ "' " if outer) ~ "->> '" ~ key ~ "'" -%}
            {%- set text.value = text.value.replace(written, 'fields[' ~ loop.index ~ ']') -%}
        {%- endfor -%}
        {%- do rewritten.append(text.value) -%}
    {%- endfor -%}
    {%- set quoted = [] -%}
    {%- for outer, key in reads -%}
        {%- do quoted.append("'" ~ ('$.' ~ outer ~ '.' ~ key if outer else key) ~ "'") -%}
    {%- endfor -%}
    {%- set fields = 'json_extract_string(record, [' ~ quoted | join(', ') ~ '])' if quoted else none -%}
    {{ return({'fields': fields, 'expressions': rewritten}) }}
{%- endmacro %}

{#- The export platforms' staging (stg_exports__*): one `<platform>_typed` CTE per layout. -#}

{#- A per-content export staging model: one `<platform>_typed` CTE per layout of
    `layouts`, the latest load of each content and day, with the columns naming the
    content (export_content), then those the caller gives for the layout `x`, then the
    union of them all. -#}
{% macro export_content_model(layouts) %}
with
{%- for platform, x in layouts %}
{%- set typed %}
    select
        {{- export_content(platform, x) }}
        {{- caller(x) }}
        {{- export_load(platform, x) }}
{%- endset %}
{{ parsed_ctes(source(platform, x.entity), typed, platform, platform ~ '_typed') }},
{%- endfor %}

merged as (
    {{ merged_versions(layouts, ['platform', 'content_id', 'business_date']) }}
),

{#- a file without publish time and form (XHS 数据明细表) takes those of its account's
    latest listed content of the same title (the layout's listed_in); of several listed
    together under one title, the one published last, so that a rebuild picks the same -#}
listed as (
    {%- for platform, x in layouts if x.listed_in %}
    select
        '{{ platform }}' as platform,
        account_id,
        title,
        arg_max(
            {'published_at': published_at, 'content_form': content_form},
            (period_end, published_at, content_form)
        ) as listing
    from {{ ref(x.listed_in) }}
    group by account_id, title
    union all
    {%- endfor %}
    select
        null as platform,
        null as account_id,
        null as title,
        {'published_at': null::timestamptz, 'content_form': null::varchar} as listing
    where false
),

final as (
    select
        merged.platform,
        merged.content_id,
        merged.account_id,
        merged.business_date,
        merged.title,
        coalesce(merged.content_form, listed.listing.content_form) as content_form,
        coalesce(merged.published_at, listed.listing.published_at) as published_at,
        merged.* exclude (
            platform, content_id, account_id, business_date, title, content_form, published_at
        )
    from merged
    left join listed
        on merged.platform = listed.platform
        and merged.account_id = listed.account_id
        and merged.title = listed.title
)

select * from final
{% endmacro %}

{#- The typed value of a layout's rate (completion_rate) or seconds (avg_watch_seconds)
    column; null when the platform's export lacks it. -#}
{% macro export_value(x, column) -%}
    {%- if column not in x.columns -%}
        cast(null as double)
    {%- elif column == 'completion_rate' -%}
        {{ rate_value("record ->> '" ~ x.columns[column] ~ "'") }}
    {%- else -%}
        cast(record ->> '{{ x.columns[column] }}' as double)
    {%- endif -%}
{%- endmacro %}

{#- The columns naming a content row of the layout `x`: platform, content, account, day,
    title, form and publish time. Export times are Beijing wall-clock times without an
    offset ("2026-11-20 08:00" or "2026/11/20 08:00"). -#}
{% macro export_content(platform, x) %}
        '{{ platform }}' as platform,
        record ->> '{{ x.content_id }}' as content_id,
        record ->> '{{ x.account }}' as account_id,
        business_date,
        record ->> '{{ x.title }}' as title,
        {% if x.form -%}
        '{{ x.form }}'
        {%- else -%}
        case record ->> '{{ x.form_column }}'
            {%- for shown, form in x.forms.items() %} when '{{ shown }}' then '{{ form }}'{% endfor %} end
        {%- endif %} as content_form,
        cast(replace(record ->> '{{ x.published_at }}', '/', '-') as timestamp) at time zone 'Asia/Shanghai'
            as published_at,
{%- endmacro %}

{#- The typed count of each of `columns` that the layout `x` has a header for, null for the
    rest (a column a platform's export lacks), named <column><suffix>. -#}
{% macro export_counts(x, columns, suffix='') -%}
    {%- for column in columns %}
        {% if column in x.columns -%}
        {{ count_value("record ->> '" ~ x.columns[column] ~ "'") }}
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as {{ column }}{{ suffix }},
    {%- endfor %}
{%- endmacro %}

{#- One row per `keys` of the `<platform>_typed` CTEs of `layouts`: of a layout whose items
    come in parts (`parts`), the parts merged (merged_parts; its CTE keeps the latest load
    of each part); of any other, the latest load (latest_load). -#}
{% macro merged_versions(layouts, keys) -%}
    {%- set parted = [] -%}
    {%- set whole = [] -%}
    {%- for platform, x in layouts -%}
        {%- do (parted if x.parts else whole).append((platform, x)) -%}
    {%- endfor -%}
    {%- if parted %}
    {{ merged_parts('(' ~ typed_union(parted) ~ ')', keys) }}
    {%- endif %}
    {%- if parted and whole %}
    union all by name
    {%- endif %}
    {%- if whole %}
    {{ latest_load('(' ~ typed_union(whole) ~ ')', keys) }}
    {%- endif %}
{%- endmacro %}

{#- The latest load of each `keys` of `relation` (`_ingested_at`, then `_source`, which the
    result leaves out): raw keeps every load, staging one row. A key of one raw row, nearly
    every one, is that row as it is: only repeated keys are ranked. Over a year of Channels
    and Zhihu at `large` (14.8M rows), ranking every row made the staging 44 s, against
    23 s so; a day's 2.1M WeChat followers take 1.0 s against 1.8-2.2 s. -#}
{% macro latest_load(relation, keys) -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set on -%}
        {%- for key in keys %}u.{{ key }} is not distinct from r.{{ key }}{{ ' and ' if not loop.last }}{% endfor -%}
    {%- endset -%}
    select * from (
        with repeated as (
            select {{ key_list }} from {{ relation }} group by all having count(*) > 1
        )

        select u.* exclude (_source)
        from {{ relation }} as u
        anti join repeated as r on {{ on }}
        union all by name
        select u.* exclude (_source)
        from {{ relation }} as u
        semi join repeated as r on {{ on }}
        qualify row_number() over (
            partition by {{ key_list }} order by _ingested_at desc, _source desc
        ) = 1
    )
{%- endmacro %}

{#- The `<platform>_typed` CTEs of `layouts`, one after the other, as one query. -#}
{% macro typed_union(layouts) -%}
    {%- for platform, x in layouts %}select * from {{ platform }}_typed{{ ' union all ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- One row per `keys` of `relation`: the latest load of each part of an item (an export in
    several workbooks, e.g. XHS 基础数据 and 互动数据, each landed with its 数据表, `_part`;
    latest_load, which ranks only the parts loaded more than once: ranking every row was
    60 of the staging's 160 CPU-seconds over a year of Xiaohongshu at `large`), then the
    parts merged, each column from the latest part that has it; an item in one part is its
    row unchanged. -#}
{% macro merged_parts(relation, keys) -%}
    select
        {{ keys | join(', ') }},
        arg_max(columns(* exclude ({{ keys | join(', ') }}, _ingested_at, _part)), _ingested_at),
        max(_ingested_at) as _ingested_at
    from ({{ latest_load(relation, keys + ['_part']) }})
    group by {{ keys | join(', ') }}
{%- endmacro %}

{#- The end of a layout's typed select over the CTE `platform`: `_ingested_at` and
    `_source`, which merged_versions ranks loads by, and of a layout in parts the part
    (数据表) a row came from, so that parts are merged by `merged_parts`, not dropped as
    old versions. -#}
{% macro export_load(platform, x) -%}
        _ingested_at,
        _source
    {%- if x.parts %},
        coalesce(record ->> '数据表', '') as _part
    {%- endif %}
    from {{ platform }}
{%- endmacro %}
