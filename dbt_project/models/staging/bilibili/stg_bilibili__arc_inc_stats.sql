-- The account's increments over all its archives on business_date.
with source as (
    select * from {{ source('bilibili', 'arc_inc_stats') }}
),

renamed as (
    select
        'bilibili' as platform,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'inc_click'") }} as views,
        {{ count_value("record ->> 'inc_like'") }} as likes,
        {{ count_value("record ->> 'inc_reply'") }} as comments,
        {{ count_value("record ->> 'inc_share'") }} as shares,
        {{ count_value("record ->> 'inc_fav'") }} as saves,
        {{ count_value("record ->> 'inc_coin'") }} as coins,
        {{ count_value("record ->> 'inc_dm'") }} as danmaku,
        {{ count_value("record ->> 'inc_elec'") }} as charges,
        _ingested_at
    from source
    {{ latest_by("record ->> 'account_id', business_date") }}
)

select * from renamed
