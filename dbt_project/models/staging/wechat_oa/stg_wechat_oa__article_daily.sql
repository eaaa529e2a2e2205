{{ staging_by_day() }}
with source as (
    select * from {{ source('wechat_oa', 'article_daily') }}
    where {{ in_run_window() }}
),

renamed as (
    select
        'wechat_oa' as platform,
        record ->> 'msgid' as content_id,
        record ->> 'account_id' as account_id,
        business_date,
        record ->> 'title' as title,
        'article' as content_form,
        {{ count_value("record ->> 'int_page_read_count'") }} as views,
        {{ count_value("record ->> 'int_page_read_user'") }} as readers,
        {{ count_value("record ->> 'share_count'") }} as shares,
        {{ count_value("record ->> 'add_to_fav_count'") }} as saves,
        _ingested_at
    from source
    {{ latest_by("business_date, record ->> 'msgid'") }}
)

select * from renamed
