with source as (
    select * from {{ source('bilibili', 'archives') }}
),

renamed as (
    select
        'bilibili' as platform,
        record ->> 'resource_id' as content_id,
        record ->> 'account_id' as account_id,
        record ->> 'title' as title,
        'long_video' as content_form,
        {{ unix_to_timestamp("record ->> 'ptime'") }} as published_at,
        cast(record -> 'video_info' ->> 'duration' as integer) as duration_seconds,
        _ingested_at
    from source
    {{ latest_by("record ->> 'resource_id'") }}
)

select * from renamed
