with source as (
    select * from {{ source('weibo', 'comments') }}
),

renamed as (
    select
        'weibo' as platform,
        record ->> 'account_id' as account_id,
        record ->> 'status_id' as content_id,
        record ->> 'idstr' as comment_id,
        record -> 'user' ->> 'idstr' as user_id,
        'weibo_uid' as user_id_type,
        record ->> 'text' as comment_text,
        {{ weibo_time("record ->> 'created_at'") }} as commented_at,
        business_date,
        _ingested_at
    from source
    {{ latest_by("record ->> 'idstr'") }}
)

select * from renamed
