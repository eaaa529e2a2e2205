{#- Readers of the platform table (platform_table(), generated from ingestion/platforms).
    Models loop over these instead of naming platforms: a platform added to the table
    reaches every union without a new SQL file. -#}

{% macro social_platforms() -%}
    {{ return(platform_table() | selectattr('social') | list) }}
{%- endmacro %}

{#- (platform key, layout) of every export table of `grain` (content_daily, account_daily)
    that the generic export staging reads. -#}
{% macro export_layouts(grain) -%}
    {%- set found = [] -%}
    {%- for p in platform_table() if grain in p.get('exports', {}) -%}
        {%- do found.append((p.key, p.exports[grain])) -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- The names exports use for a social platform (抖音, B站, 公众号 …) → its key. -#}
{% macro platform_key(expr) -%}
    case ({{ expr }})
        {%- for p in social_platforms() %}{% for name in p.names %}
        when '{{ name }}' then '{{ p.key }}'
        {%- endfor %}{% endfor %}
    end
{%- endmacro %}

{#- The platform an identifier type belongs to; null for the WeChat unionid, phone and
    email, which belong to no platform. A type unique within one account only is written
    <type>:<account_id>. -#}
{% macro identity_platform(id_type) -%}
    case
        {%- for p in platform_table() if p.get('user_id_type') %}
        {%- if p.user_ids_per_account %}
        when {{ id_type }} like '{{ p.user_id_type }}:%' then '{{ p.key }}'
        {%- else %}
        when {{ id_type }} = '{{ p.user_id_type }}' then '{{ p.key }}'
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}

{#- The column names of a relation when the model runs (nothing while dbt parses). -#}
{% macro column_names(relation) -%}
    {%- if execute -%}
        {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | list) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- The platform whose app an 抖店 order was placed in, by its 下单端 code (b_type); null for
    an app that is none of ours (头条, 西瓜 …) or an order without the code. -#}
{% macro shop_order_platform(b_type) -%}
    case ({{ b_type }})
        {%- for p in platform_table() %}{% for code in p.get('shop_b_types', []) %}
        when '{{ code }}' then '{{ p.key }}'
        {%- endfor %}{% endfor %}
    end
{%- endmacro %}
