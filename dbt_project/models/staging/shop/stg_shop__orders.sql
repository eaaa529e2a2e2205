{{ config(materialized='incremental', unique_key='order_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns', meta={'written_by': 'staged_at'}) }}
with {% call read_source(source('shop', 'orders')) %}
    select
        'shop' as platform,
        record ->> 'order_id' as order_id,
        record ->> 'shop_id' as shop_id,
        record ->> 'doudian_open_id' as buyer_id,
        'douyin_open_id' as buyer_id_type,
        nullif(record ->> 'post_tel_hash', '') as phone_hash,
        -- why phone_hash is empty: a per-order decrypt error, a virtual number, no phone
        record ->> 'post_tel_missing' as phone_missing_reason,
        cast(record ->> 'order_status' as integer) as order_status,
        -- 4 已取消: a paid order refunded before shipping is cancelled (B.2); a look-back
        -- re-fetch brings the change, and the latest version of the order wins below
        coalesce(cast(record ->> 'order_status' as integer) = 4, false) as is_cancelled,
        {{ count_value("record ->> 'pay_amount'") }} as amount_fen,
        -- decimal, so sums are exact to the fen
        cast({{ count_value("record ->> 'pay_amount'") }} / 100 as decimal(18, 2)) as amount_yuan,
        {{ unix_to_timestamp("record ->> 'pay_time'") }} as paid_at,
        cast({{ unix_to_timestamp("record ->> 'pay_time'") }} at time zone 'Asia/Shanghai' as date)
            as business_date,
        record ->> 'b_type' as order_app_code,
        -- the sku's video / room ids are ids on the app the order was placed in (b_type)
        {{ shop_order_platform("record ->> 'b_type'") }} as attributed_platform,
        nullif(record -> 'sku_order_list' -> 0 ->> 'video_id', '') as attributed_content_id,
        nullif(record -> 'sku_order_list' -> 0 ->> 'room_id', '') as attributed_room_id,
        _ingested_at,
        -- when this row was staged (the build's transaction began): fct_orders rewrites the
        -- orders staged since its own last build; a stored version that stays keeps its time
        current_timestamp as staged_at,
        _source
    from source
{% endcall %},

{{ latest_listing('renamed', key="order_id") }}

select * from final
