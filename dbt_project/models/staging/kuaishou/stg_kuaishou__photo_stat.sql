{{ staging_by_day() }}
-- Lifetime totals of each photo as of the end of business_date.
with source as (
    select * from {{ source('kuaishou', 'photos') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'kuaishou' as platform,
        record ->> 'photo_id' as content_id,
        record ->> 'account_id' as account_id,
        business_date,
        {{ count_value("record ->> 'view_count'") }} as views_total,
        {{ count_value("record ->> 'like_count'") }} as likes_total,
        {{ count_value("record ->> 'comment_count'") }} as comments_total,
        _ingested_at
    from source
    {{ latest_by("record ->> 'photo_id', business_date") }}
)

select * from renamed
