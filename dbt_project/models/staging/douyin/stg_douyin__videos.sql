with source as (
    select * from {{ source('douyin', 'videos') }}
),

renamed as (
    select
        'douyin' as platform,
        record ->> 'item_id' as content_id,
        record ->> 'open_id' as account_id,
        record ->> 'title' as title,
        'short_video' as content_form,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as published_at,
        cast(null as integer) as duration_seconds,
        _ingested_at
    from source
    {{ latest_by("record ->> 'item_id'") }}
)

select * from renamed
