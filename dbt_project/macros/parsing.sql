{#- Platform values as received → typed values. Platforms send counts as numbers, numeric
    strings or abbreviations ("1.2万" = 12000, "20.0w" = 200000, "1.5亿"); empty, "-" and "--"
    mean not reported. -#}

{% macro count_value(expr) -%}
    {#- a plain integer, the common case, is cast once; anything else takes the slow path -#}
    coalesce(try_cast(({{ expr }}) as bigint), case
        when ({{ expr }}) is null or trim(cast(({{ expr }}) as varchar)) in ('', '-', '--', 'null') then null
        when regexp_matches(trim(cast(({{ expr }}) as varchar)), '^[0-9]+(\.[0-9]+)?\s*(万|w|W)$')
            then cast(round(cast(regexp_extract(trim(cast(({{ expr }}) as varchar)), '^[0-9]+(\.[0-9]+)?') as double) * 10000) as bigint)
        when regexp_matches(trim(cast(({{ expr }}) as varchar)), '^[0-9]+(\.[0-9]+)?\s*亿$')
            then cast(round(cast(regexp_extract(trim(cast(({{ expr }}) as varchar)), '^[0-9]+(\.[0-9]+)?') as double) * 100000000) as bigint)
        else cast(round(cast(replace(trim(cast(({{ expr }}) as varchar)), ',', '') as double)) as bigint)
    end)
{%- endmacro %}

{#- "35.2%" → 0.352; a plain fraction stays as it is; "-" → null. -#}
{% macro rate_value(expr) -%}
    case
        when ({{ expr }}) is null or trim(cast(({{ expr }}) as varchar)) in ('', '-', '--') then null
        when ends_with(trim(cast(({{ expr }}) as varchar)), '%')
            then round(cast(rtrim(trim(cast(({{ expr }}) as varchar)), '%') as double) / 100, 6)
        else cast(({{ expr }}) as double)
    end
{%- endmacro %}

{#- Unix seconds or milliseconds → timestamp with time zone. -#}
{% macro unix_to_timestamp(expr) -%}
    case
        when ({{ expr }}) is null then null
        when cast(({{ expr }}) as bigint) > 100000000000 then to_timestamp(cast(({{ expr }}) as bigint) / 1000.0)
        else to_timestamp(cast(({{ expr }}) as bigint))
    end
{%- endmacro %}

{#- Weibo's created_at, "Thu Nov 20 16:00:00 +0800 2025" → timestamp with time zone. -#}
{% macro weibo_time(expr) -%}
    strptime(({{ expr }}), '%a %b %d %H:%M:%S %z %Y')
{%- endmacro %}
