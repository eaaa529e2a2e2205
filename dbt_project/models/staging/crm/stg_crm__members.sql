{{ staging_by_day('snapshot_date', keep_unchanged_days=true) }}
with {% call read_source(source('crm', 'members')) %}
    select
        record ->> '会员ID' as member_id,
        nullif(record ->> '手机号_hash', '') as phone_hash,
        nullif(record ->> '邮箱_hash', '') as email_hash,
        nullif(record ->> 'unionid', '') as unionid,
        cast(record ->> '注册时间' as timestamp) at time zone 'Asia/Shanghai' as joined_at,
        record ->> '会员等级' as member_tier,
        {{ count_value("record ->> '积分'") }} as points,
        cast(left(record ->> '日期', 10) as date) as snapshot_date,
        _ingested_at,
        _source
    from source
{% endcall %},

latest as (
    {{ latest_load('renamed', ['member_id', 'snapshot_date']) }}
)

select * from latest
