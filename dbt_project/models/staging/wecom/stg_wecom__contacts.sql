{{ staging_by_day('snapshot_date', keep_unchanged_days=true) }}
with {% call read_source(source('wecom', 'contacts')) %}
    select
        record ->> 'account_id' as staff_userid,
        record -> 'external_contact' ->> 'external_userid' as external_userid,
        nullif(record -> 'external_contact' ->> 'unionid', '') as unionid,
        cast(record -> 'external_contact' ->> 'type' as integer) as contact_type,
        {{ unix_to_timestamp("record -> 'follow_info' ->> 'createtime'") }} as added_at,
        cast(record -> 'follow_info' -> 'remark_mobiles_hash' as varchar[]) as phone_hashes,
        business_date as snapshot_date,
        _ingested_at,
        _source
    from source
{% endcall %},

latest as (
    {{ latest_load('renamed', ['staff_userid', 'external_userid', 'snapshot_date']) }}
)

select * from latest
