{#- The platform an identifier type belongs to; null for the WeChat unionid, phone, email and CRM ids, which
    belong to no social platform. -#}
{% macro identity_platform(id_type) -%}
    case
        when {{ id_type }} = 'douyin_open_id' then 'douyin'
        when {{ id_type }} = 'kuaishou_user_id' then 'kuaishou'
        when {{ id_type }} = 'bilibili_mid' then 'bilibili'
        when {{ id_type }} = 'weibo_uid' then 'weibo'
        when {{ id_type }} like 'wechat_openid:%' then 'wechat_oa'
        when {{ id_type }} = 'xiaohongshu_user_id' then 'xiaohongshu'
        when {{ id_type }} = 'zhihu_user_id' then 'zhihu'
        when {{ id_type }} = 'wecom_external_userid' then 'wecom'
        when {{ id_type }} = 'crm_member_id' then 'crm'
    end
{%- endmacro %}
