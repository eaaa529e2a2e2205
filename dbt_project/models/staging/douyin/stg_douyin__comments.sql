{{ stage_listing('douyin', 'comments', key='comment_id', columns={
    'account_id': "record ->> 'open_id'",
    'content_id': "record ->> 'item_id'",
    'comment_id': "record ->> 'comment_id'",
    'user_id': "record ->> 'comment_user_id'",
    'user_id_type': "'douyin_open_id'",
    'comment_text': "record ->> 'content'",
    'comment_likes': count_value("record ->> 'digg_count'"),
    'commented_at': unix_to_timestamp("record ->> 'create_time'"),
    'business_date': "business_date",
}) }}
