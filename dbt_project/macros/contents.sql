{#- int_contents' feeds: per social platform with a listing feed, its key, the feed's
    relation, the feed's column names, and whether it is dated (one row per content and
    day). Column names are known only when the model runs (none while dbt parses). -#}
{% macro content_feeds() -%}
    {%- set found = [] -%}
    {%- for p in social_platforms() | selectattr('contents', 'defined') -%}
        {%- set relation = ref(p.contents) -%}
        {%- set have = column_names(relation) -%}
        {%- do found.append({'platform': p.key, 'relation': relation, 'have': have,
                             'dated': 'business_date' in have}) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The post-hook of int_contents: a content whose stored day the run re-staged without
    it, and that no other day lists, is no content any more (a build from nothing would
    not have it). The model wrote every other such content from its latest remaining day,
    which is outside the window, so what is left with a day in it is unlisted. -#}
{% macro contents_drop_unlisted() -%}
    {%- set dated = content_feeds() | selectattr('dated') | list -%}
    {%- if building_on_previous() and dated -%}
        delete from {{ this }} as t
        where {{ in_run_window('t.listed_on') }}
            and not exists (
                {%- for f in dated %}
                select 1 from {{ f.relation }} as f
                where f.platform = '{{ f.platform }}' and {{ in_run_window('f.business_date') }}
                    and t.platform = f.platform and t.content_id = f.content_id
                {%- if not loop.last %}
                union all
                {%- endif %}
                {%- endfor %}
            )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- fct_content_totals rows whose days overlap the dates fct_content_daily rebuilt. -#}
{% macro content_totals_overlap_window() -%}
    {%- set window = run_window('fct_content_daily') -%}
    first_date <= {{ run_window_end(window.lookahead) }} and last_date >= {{ run_window_start() }}
{%- endmacro %}

{#- The post-hook of fct_content_totals: a content whose every day a run's rebuilt dates
    took out is written without dates (the model's `gone`); a build from nothing would not
    have it. -#}
{% macro content_totals_drop_gone() -%}
    {%- if content_totals_on_the_day() -%}
        delete from {{ this }} where first_date is null
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- fct_content_totals recomputes only the window's contents: on a run with a window, over
    rows that carry updated_at (a table of an older version is written whole once, so that
    no row is left without it). -#}
{% macro content_totals_on_the_day() -%}
    {{ return(building_on_previous() and run_dates() and not content_totals_unstamped()) }}
{%- endmacro %}

{% macro content_totals_unstamped() -%}
    {%- if not (execute and building_on_previous()) -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(not has_updated_at()) }}
{%- endmacro %}

{#- Its pre-hook: every row goes when the table is written whole over an older version. -#}
{% macro content_totals_pre_hook() -%}
    {%- if content_totals_unstamped() -%}
        delete from {{ this }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
