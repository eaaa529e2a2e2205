{{ stage_listing('weibo', 'comments', key='comment_id', columns={
    'account_id': "record ->> 'account_id'",
    'content_id': "record ->> 'status_id'",
    'comment_id': "record ->> 'idstr'",
    'user_id': "record -> 'user' ->> 'idstr'",
    'user_id_type': "'weibo_uid'",
    'comment_text': "record ->> 'text'",
    'commented_at': weibo_time("record ->> 'created_at'"),
    'business_date': "business_date",
}) }}
