with contents as (
    select * from {{ ref('int_contents') }}
),

final as (
    select
        platform || ':' || content_id as content_key,
        platform || ':' || account_id as account_key,
        platform,
        account_id,
        content_id,
        title,
        content_form,
        content_form in ('short_video', 'long_video', 'video_note') as is_video,
        published_at,
        cast(published_at at time zone 'Asia/Shanghai' as date) as publish_date,
        duration_seconds
    from contents
)

select * from final
