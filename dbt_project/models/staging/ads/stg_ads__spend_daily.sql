{{ staging_by_day() }}
{#- Incremental by day, as the other per-day staging: the loader lands each row under its
    日期 (ingestion/platforms/export_files.py), so a run types only its days. As a view, each
    run parsed every day's JSON again, for fct_ad_spend and for each of its tests. -#}
with {% call read_source(source('ads', 'spend_daily')) %}
    select
        {{ platform_key("record ->> '平台'") }} as platform,
        record ->> '账号ID' as account_id,
        record ->> '计划ID' as campaign_id,
        record ->> '计划名称' as campaign_name,
        business_date,
        cast(record ->> '消耗(元)' as decimal(18, 2)) as spend_yuan,
        {{ count_value("record ->> '展示数'") }} as impressions,
        {{ count_value("record ->> '点击数'") }} as clicks,
        {{ count_value("record ->> '转化数'") }} as conversions,
        _ingested_at,
        _source
    from source
{% endcall %},

latest as (
    {{ latest_load('renamed', ['campaign_id', 'business_date']) }}
)

select * from latest
