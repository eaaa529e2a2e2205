-- One row per photo: its attributes as last listed.
with source as (
    select * from {{ source('kuaishou', 'photos') }}
),

renamed as (
    select
        'kuaishou' as platform,
        record ->> 'photo_id' as content_id,
        record ->> 'account_id' as account_id,
        record ->> 'caption' as title,
        'short_video' as content_form,
        {{ unix_to_timestamp("record ->> 'create_time'") }} as published_at,
        cast(null as integer) as duration_seconds,
        _ingested_at
    from source
    {{ latest_by("record ->> 'photo_id'") }}
)

select * from renamed
