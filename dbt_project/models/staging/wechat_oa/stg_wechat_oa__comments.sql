{#- comment/list is asked per article (msg_data_id + index) and its user_comment_id names a
    comment within that article only (docs/sources/bilibili_weibo_wechat.md C.5; unique per
    article is an assumption, docs/platforms.md), so comment_id is content_id/user_comment_id. -#}
{%- set content_id = "(record ->> 'msg_data_id') || '_' || cast(cast(record ->> 'index' as integer) + 1 as varchar)" %}
{{ stage_listing('wechat_oa', 'comments', key=['account_id', 'comment_id'], columns={
    'account_id': "record ->> 'account_id'",
    'content_id': content_id,
    'comment_id': content_id ~ " || '/' || (record ->> 'user_comment_id')",
    'user_id': "record ->> 'openid'",
    'user_id_type': "'wechat_openid'",
    'comment_text': "record ->> 'content'",
    'commented_at': unix_to_timestamp("record ->> 'create_time'"),
    'business_date': "business_date",
}) }}
