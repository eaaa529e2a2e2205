{#- A mart that writes on the day only the rows that changed (fct_user_interactions,
    fct_orders) stamps each row it writes with updated_at. `written_since(upstreams)` is
    the newest updated_at of its rows, as 'YYYY-MM-DD HH:MM:SS.ffffff+00', when the run can
    build on them; none when it writes every row: a first build, a full refresh, a table
    of an older version without updated_at, or an upstream built again from nothing since
    (its oldest stamp is newer: an erasure drops people's staging, an exclusion rebuilds
    the identity chain). `upstreams` are (relation, timestamp column) pairs; a row without
    a stamp (written before the column existed) counts as old. `kept`, when given, is one
    more condition over the stored rows (`f`, aggregated) for building on them. Kept in
    `graph` per model for the command: the model and its pre-hook must agree. -#}
{% macro written_since(upstreams, kept=none) -%}
    {%- if not (execute and building_on_previous()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = 'socialmart_written_since_' ~ this.identifier -%}
    {%- if key not in graph -%}
        {%- set stamped = has_updated_at() -%}
        {%- set conditions -%}
            {%- for relation, column in upstreams %}
            and coalesce((select min(coalesce({{ column }}, '-infinity'::timestamptz)) from {{ relation }}) <= max(f.updated_at), false)
            {%- endfor %}
            {%- if kept %}
            and {{ kept }}
            {%- endif %}
        {%- endset -%}
        {%- set row = [none, none] if not stamped else run_query(
            "select strftime(max(f.updated_at) at time zone 'UTC', '%Y-%m-%d %H:%M:%S.%f+00'), "
            ~ "true " ~ conditions ~ " from " ~ this ~ " as f").rows[0] -%}
        {%- do graph.update({key: row[0] if row[0] and row[1] else none}) -%}
    {%- endif -%}
    {{ return(graph[key]) }}
{%- endmacro %}

{#- Whether the model's table (`this`) has the column updated_at: a table of an older
    version without it is written whole once. -#}
{% macro has_updated_at() -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {{ return('updated_at' in columns) }}
{%- endmacro %}

{#- Pre-hook of such a mart: every row goes when it writes them all again (an erased
    person's rows leave with them), else the rows `gone` selects (SQL over the table,
    none when its rows never leave on the day). -#}
{% macro written_since_pre_hook(since, gone=none) -%}
    {%- if building_on_previous() and not since -%}
        delete from {{ this }}
    {%- elif since and gone -%}
        delete from {{ this }} where {{ gone }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- fct_user_interactions builds on its rows unless int_user_interactions was built again. -#}
{% macro interactions_since() -%}
    {{ return(written_since([(ref('int_user_interactions'), 'written_at')])) }}
{%- endmacro %}

{% macro interactions_pre_hook() -%}
    {{ written_since_pre_hook(interactions_since()) }}
{%- endmacro %}

{#- fct_orders builds on its rows unless stg_shop__orders was built again (an erasure drops
    it); an order cancelled since leaves. -#}
{% macro orders_since() -%}
    {{ return(written_since([(ref('stg_shop__orders'), 'staged_at')])) }}
{%- endmacro %}

{% macro orders_pre_hook() -%}
    {%- set since = orders_since() -%}
    {{ written_since_pre_hook(since, "order_id in (select order_id from " ~ ref('stg_shop__orders')
        ~ " where is_cancelled and staged_at > '" ~ since ~ "'::timestamptz)") }}
{%- endmacro %}

{#- The seed content_taxonomy as a digest of its rows: dim_content keeps the one that
    classified each row. -#}
{% macro taxonomy_version() -%}
    select md5(string_agg(concat_ws('|', keyword, topic_category, funnel_stage), ','
        order by keyword, topic_category, funnel_stage))
    from {{ ref('content_taxonomy') }}
{%- endmacro %}

{#- dim_content builds on its rows unless int_contents was built again from nothing, or a
    stored row was classified by another taxonomy than the seed's now. -#}
{% macro contents_since() -%}
    {%- set same_taxonomy -%}
        coalesce(bool_and(f.taxonomy_version is not distinct from ({{ taxonomy_version() }})), true)
    {%- endset -%}
    {{ return(written_since([(ref('int_contents'), 'written_at')], kept=same_taxonomy)) }}
{%- endmacro %}

{#- The dim_content rows of contents int_contents no longer holds (no day lists them). -#}
{% macro contents_gone() -%}
    not exists (
        select 1 from {{ ref('int_contents') }} as c
        where c.platform = {{ this }}.platform and c.content_id = {{ this }}.content_id
    )
{%- endmacro %}

{#- The bridge builds on its rows unless its unified ids or nodes were built again from
    nothing (every row of theirs is newer then). -#}
{% macro bridge_since() -%}
    {{ return(written_since([(ref('int_identity__unified_ids'), 'written_at'),
                             (ref('int_identity__nodes'), 'written_at')])) }}
{%- endmacro %}

{#- dim_unified_user builds on its rows unless the bridge was written whole again. -#}
{% macro unified_users_since() -%}
    {{ return(written_since([(ref('bridge_user_identity'), 'updated_at')])) }}
{%- endmacro %}

{#- Its pre-hook: the ids a merge or a split took from identifiers since
    (previous_unified_user_id) go; the people written again replace their rows by key. -#}
{% macro unified_users_pre_hook() -%}
    {%- set since = unified_users_since() -%}
    {{ written_since_pre_hook(since,
        "unified_user_id in (select previous_unified_user_id from "
        ~ ref('int_identity__unified_ids') ~ " where written_at > '" ~ since ~ "'::timestamptz)") }}
{%- endmacro %}

{#- kpi_content_scorecard builds on its rows unless fct_content_totals or dim_content was
    built again from nothing. -#}
{% macro scorecard_since() -%}
    {{ return(written_since([(ref('fct_content_totals'), 'updated_at'),
                             (ref('dim_content'), 'updated_at')])) }}
{%- endmacro %}

{#- The scorecard rows of contents that either side no longer holds. -#}
{% macro scorecard_gone() -%}
    content_key not in (select content_key from {{ ref('fct_content_totals') }})
        or content_key not in (select content_key from {{ ref('dim_content') }})
{%- endmacro %}

{#- kpi_user_segments builds on its rows unless dim_unified_user was written whole again
    (every person then is). -#}
{% macro segments_since() -%}
    {{ return(written_since([(ref('dim_unified_user'), 'updated_at')])) }}
{%- endmacro %}

{#- The segments of people dim_unified_user no longer holds. On the day (dim_unified_user
    not written whole) a person leaves it only when a merge or a split takes their id from
    identifiers (unified_users_pre_hook): of those ids, the ones it holds no more. -#}
{% macro segments_gone() -%}
    unified_user_id in (
        select previous_unified_user_id from {{ ref('int_identity__unified_ids') }}
        where written_at > '{{ segments_since() }}'::timestamptz
    )
    and unified_user_id not in (select unified_user_id from {{ ref('dim_unified_user') }})
{%- endmacro %}

{#- kpi_user_segments' stored rows hold as of one as-of row of kpi_user_segments_as_of (the
    date and the buyers' averages): the one its post-hook (record_segments_scored_as_of)
    kept, in the transaction that wrote them, in a table beside it. Kept outside the kpi
    schema, which is published whole. -#}
{% macro segments_scored_as_of_table() -%}
    {{ this.database }}.intermediate.{{ this.identifier }}__scored_as_of
{%- endmacro %}

{#- The as-of date the stored segments were scored as of, 'YYYY-MM-DD', or none (never
    kept, or kept null: no interaction or order then). One query per command. -#}
{% macro segments_scored_as_of() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = 'socialmart_scored_as_of:' ~ this -%}
    {%- if key not in graph -%}
        {%- set kept = run_query(
            "select count(*) from information_schema.tables where table_catalog = '"
            ~ this.database ~ "' and table_schema = 'intermediate' and table_name = '"
            ~ this.identifier ~ "__scored_as_of'").columns[0].values()[0] -%}
        {%- set rows = run_query("select strftime(max(as_of_date), '%Y-%m-%d') from "
            ~ segments_scored_as_of_table()).rows if kept else [] -%}
        {%- do graph.update({key: rows[0][0] if rows else none}) -%}
    {%- endif -%}
    {{ return(graph[key]) }}
{%- endmacro %}

{#- The dates in (old - days, new - days], `old` the as-of date the stored segments hold as
    of (SQL) and new that of the CTE `as_of`: a date there is crossed by the line `days`
    before the as-of date when it moves from old to new. -#}
{% macro segments_line_passed(column, days, old) -%}
    ({{ column }} > {{ old }} - {{ days }} and {{ column }} <= (select as_of_date from as_of) - {{ days }})
{%- endmacro %}

{#- Post-hook of kpi_user_segments: the as-of row its rows now hold as of. -#}
{% macro record_segments_scored_as_of() -%}
    create or replace table {{ segments_scored_as_of_table() }} as
    select * from {{ ref('kpi_user_segments_as_of') }}
{%- endmacro %}

{#- Of the rows of CTE `cte` that a mart would write on the day, those that differ from its
    stored row in some of `columns` (a list; EXCEPT compares nulls as equal), or are new:
    a row written again as it was would only move its updated_at, and with it every
    reader's and the publish's work. `key`, when given, limits the stored rows compared
    to those of the keys in `cte`. -#}
{% macro rows_that_differ(cte, columns, key=none) -%}
    select {{ columns | join(', ') }} from {{ cte }}
    except
    select {{ columns | join(', ') }} from {{ this }}
    {%- if key %}
    where {{ key }} in (select {{ key }} from {{ cte }})
    {%- endif %}
{%- endmacro %}

{#- kpi_user_active_months builds on its rows unless the interactions, the orders or the
    segments were built again from nothing. -#}
{% macro active_months_since() -%}
    {{ return(written_since([(ref('fct_user_interactions'), 'updated_at'),
                             (ref('fct_orders'), 'updated_at'),
                             (ref('kpi_user_segments'), 'updated_at')])) }}
{%- endmacro %}

{#- The people the day's writes since `since` (SQL) touched: those with an interaction or
    an order written since, and both ids of an identifier that moved to another person
    (int_identity__unified_ids). One select of unified_user_id, for the per-person kpi
    tables that recompute on the day only the people whose row can have moved. -#}
{% macro people_written_since(since) -%}
    {{ people_interacted_since(since) }}
    union
    select unified_user_id from {{ ref('fct_orders') }} where updated_at > {{ since }}
{%- endmacro %}

{#- Of those, the people an interaction was written for since `since` (SQL), or an
    identifier moved to or from (both ids): for a table built from interactions alone. -#}
{% macro people_interacted_since(since) -%}
    select unified_user_id from {{ ref('fct_user_interactions') }} where updated_at > {{ since }}
    union
    {{ people_moved_since(since) }}
{%- endmacro %}

{#- The people an identifier moved to or from since `since` (SQL): both ids of a merge or a
    split (int_identity__unified_ids). -#}
{% macro people_moved_since(since) -%}
    select unified_user_id from {{ ref('int_identity__unified_ids') }} where written_at > {{ since }}
    union
    select previous_unified_user_id from {{ ref('int_identity__unified_ids') }}
    where written_at > {{ since }}
{%- endmacro %}

{#- The people whose active months can have moved since kpi_user_active_months' newest
    updated_at (its header says why each): one select of unified_user_id. -#}
{% macro active_months_touched() -%}
    {%- set since = "'" ~ active_months_since() ~ "'::timestamptz" -%}
    {{ people_written_since(since) }}
    union
    select unified_user_id from {{ ref('kpi_user_segments') }} where updated_at > {{ since }}
{%- endmacro %}

{#- kpi_buyer_purchases builds on its rows unless fct_orders was built again from nothing. -#}
{% macro buyer_purchases_since() -%}
    {{ return(written_since([(ref('fct_orders'), 'updated_at')])) }}
{%- endmacro %}

{#- The buyers whose purchases can have moved since kpi_buyer_purchases' newest updated_at
    (its header says why each): one select of unified_user_id. -#}
{% macro buyers_touched() -%}
    {%- set since = "'" ~ buyer_purchases_since() ~ "'::timestamptz" -%}
    select unified_user_id from {{ ref('fct_orders') }} where updated_at > {{ since }}
    union
    {{ people_moved_since(since) }}
    union
    select unified_user_id from {{ ref('bridge_user_identity') }}
    {{ semi_join_identifiers('(' ~ cancelled_buyer_ids(since) ~ ')') }}
{%- endmacro %}

{#- The identifiers (id_type, id_value) that name the buyer of an order staged as cancelled
    since `since` (SQL): their platform id and the phone on the order, as fct_orders
    resolves them. -#}
{% macro cancelled_buyer_ids(since) -%}
    select buyer_id_type as id_type, buyer_id as id_value from {{ ref('stg_shop__orders') }}
    where is_cancelled and staged_at > {{ since }}
    union
    select 'phone_hash', phone_hash from {{ ref('stg_shop__orders') }}
    where is_cancelled and staged_at > {{ since }} and phone_hash is not null
{%- endmacro %}

{#- kpi_credited_adds builds on its rows unless fct_user_interactions was built again from
    nothing. -#}
{% macro credited_adds_since() -%}
    {{ return(written_since([(ref('fct_user_interactions'), 'updated_at')])) }}
{%- endmacro %}

{#- The people whose credited adds can have moved since kpi_credited_adds' newest updated_at:
    an interaction of theirs was written since, or an identifier moved to or from them. -#}
{% macro credited_adds_touched() -%}
    {{ people_interacted_since("'" ~ credited_adds_since() ~ "'::timestamptz") }}
{%- endmacro %}
