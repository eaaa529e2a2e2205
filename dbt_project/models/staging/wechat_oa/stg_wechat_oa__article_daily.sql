{{ staging_by_day() }}
{{ stage_daily('wechat_oa', 'article_daily', key=['content_id', 'business_date'], columns={
    'content_id': "record ->> 'msgid'",
    'account_id': "record ->> 'account_id'",
    'business_date': "business_date",
    'title': "record ->> 'title'",
    'content_form': "'article'",
    'views': count_value("record ->> 'int_page_read_count'"),
    'readers': count_value("record ->> 'int_page_read_user'"),
    'shares': count_value("record ->> 'share_count'"),
    'saves': count_value("record ->> 'add_to_fav_count'"),
}) }}
