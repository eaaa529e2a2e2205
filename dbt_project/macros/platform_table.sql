{#- Generated from ingestion/platforms by `make platforms`: edit the table, not this file.
    Every platform, in the table's order (see macros/platforms.sql for the
    helpers that read it). -#}
{% macro platform_table() -%}
{{ return([
    {
        "key": "douyin", "social": true, "delivery": "api", "names": ["抖音"],
        "user_id_type": "douyin_open_id", "user_ids_per_account": false, "shop_b_types": ["2", "11"],
        "contents": "stg_douyin__videos",
        "content_daily": {
            "model": "stg_douyin__video_daily",
            "columns": {"views": "", "likes": "", "comments": "", "shares": "", "avg_watch_seconds": ""}
        },
        "followers": {"model": "stg_douyin__fans_daily", "columns": ["followers_total", "new_followers"]},
        "comments": "stg_douyin__comments"
    },
    {
        "key": "kuaishou", "social": true, "delivery": "api", "names": ["快手"],
        "user_id_type": "kuaishou_user_id", "user_ids_per_account": false,
        "contents": "stg_kuaishou__photos",
        "content_daily": {
            "model": "int_snapshots__content_daily",
            "columns": {"views": "", "likes": "", "comments": ""}
        },
        "snapshots": {"model": "stg_kuaishou__photo_stat", "metrics": ["views", "likes", "comments"]},
        "followers": {"model": "stg_kuaishou__user_info", "columns": ["followers_total"]}
    },
    {
        "key": "bilibili", "social": true, "delivery": "api", "names": ["哔哩哔哩", "B站"],
        "user_id_type": "bilibili_mid", "user_ids_per_account": false,
        "contents": "stg_bilibili__archives",
        "content_daily": {
            "model": "int_snapshots__content_daily",
            "columns": {
                "views": "", "likes": "", "comments": "", "shares": "", "saves": "", "coins": "",
                "danmaku": ""
            }
        },
        "snapshots": {
            "model": "stg_bilibili__arc_stat",
            "metrics": ["views", "likes", "comments", "shares", "saves", "coins", "danmaku"]
        },
        "followers": {"model": "stg_bilibili__user_stat", "columns": ["followers_total"]}
    },
    {
        "key": "weibo", "social": true, "delivery": "api", "names": ["微博"],
        "user_id_type": "weibo_uid", "user_ids_per_account": false,
        "contents": "stg_weibo__statuses",
        "content_daily": {
            "model": "int_snapshots__content_daily",
            "columns": {"likes": "", "comments": "", "shares": ""}
        },
        "snapshots": {"model": "stg_weibo__status_stat", "metrics": ["likes", "comments", "shares"]},
        "followers": {"model": "stg_weibo__user", "columns": ["followers_total"]},
        "comments": "stg_weibo__comments"
    },
    {
        "key": "wechat_oa", "social": true, "delivery": "api", "names": ["微信公众号", "公众号"],
        "user_id_type": "wechat_openid", "user_ids_per_account": true,
        "contents": "stg_wechat_oa__article_daily",
        "content_daily": {
            "model": "int_wechat_oa__article_daily",
            "columns": {"views": "", "comments": "", "shares": "", "saves": ""}
        },
        "followers": {
            "model": "stg_wechat_oa__user_daily",
            "columns": ["followers_total", "new_followers", "unfollows"]
        },
        "comments": "stg_wechat_oa__comments"
    },
    {
        "key": "wechat_channels", "social": true, "delivery": "export", "names": ["微信视频号", "视频号"],
        "contents": "stg_exports__content_snapshots",
        "content_daily": {
            "model": "int_snapshots__content_daily",
            "columns": {
                "views": "", "likes": "", "comments": "", "shares": "", "completed_views": "",
                "avg_watch_seconds": "watch_seconds / nullif(views, 0)", "follows_gained": ""
            }
        },
        "snapshots": {
            "model": "stg_exports__content_snapshots",
            "metrics": [
                "views", "likes", "comments", "shares", "completed_views", "watch_seconds",
                "follows_gained"
            ],
            "decreases": "null"
        },
        "followers": {
            "model": "stg_exports__account_daily",
            "columns": ["followers_total", "new_followers", "unfollows"]
        },
        "exports": {
            "content_snapshots": {
                "entity": "video_daily", "account": "账号ID", "date": "日期",
                "columns": {
                    "views": "播放量", "likes": "喜欢", "comments": "评论", "shares": "分享",
                    "completion_rate": "完播率", "avg_watch_seconds": "平均播放时长(秒)",
                    "follows_gained": "新增关注"
                },
                "content_id": "视频ID", "title": "视频描述", "published_at": "发布时间", "form": "short_video"
            },
            "account_daily": {
                "entity": "follower_daily", "account": "账号ID", "date": "日期",
                "columns": {"followers_total": "关注者总数", "new_followers": "新增关注", "unfollows": "取消关注"}
            }
        }
    },
    {
        "key": "xiaohongshu", "social": true, "delivery": "export", "names": ["小红书"],
        "user_id_type": "xiaohongshu_user_id", "user_ids_per_account": false,
        "contents": "stg_exports__content_daily",
        "content_daily": {
            "model": "stg_exports__content_daily",
            "columns": {
                "impressions": "", "views": "", "likes": "", "comments": "", "shares": "",
                "saves": "", "completed_views": "round(views * completion_rate)",
                "avg_watch_seconds": "", "follows_gained": ""
            }
        },
        "followers": {
            "model": "stg_exports__account_daily",
            "columns": ["followers_total", "new_followers", "unfollows"]
        },
        "exports": {
            "content_daily": {
                "entity": "note_daily", "account": "账号ID", "date": "日期",
                "columns": {
                    "impressions": "曝光", "views": "观看量", "likes": "点赞", "comments": "评论",
                    "shares": "分享", "saves": "收藏", "completion_rate": "完播率",
                    "avg_watch_seconds": "人均观看时长(秒)", "follows_gained": "涨粉"
                },
                "content_id": "笔记ID", "title": "笔记标题", "published_at": "首次发布时间", "form_column": "体裁",
                "forms": {"视频": "video_note", "图文": "image_note"},
                "listed_in": "stg_xiaohongshu__note_list", "parts": true
            },
            "account_daily": {
                "entity": "account_daily", "account": "账号ID", "date": "日期",
                "columns": {"followers_total": "粉丝总数", "new_followers": "新增粉丝", "unfollows": "取消关注"},
                "parts": true
            }
        }
    },
    {
        "key": "zhihu", "social": true, "delivery": "export", "names": ["知乎"],
        "user_id_type": "zhihu_user_id", "user_ids_per_account": false,
        "contents": "stg_exports__content_snapshots",
        "content_daily": {
            "model": "int_snapshots__content_daily",
            "columns": {"views": "", "likes": "", "comments": "", "shares": "", "saves": ""}
        },
        "snapshots": {
            "model": "stg_exports__content_snapshots",
            "metrics": ["views", "likes", "comments", "shares", "saves"], "decreases": "null"
        },
        "followers": {
            "model": "stg_exports__account_daily",
            "columns": ["followers_total", "new_followers", "unfollows"]
        },
        "exports": {
            "content_snapshots": {
                "entity": "content_daily", "account": "账号ID", "date": "日期",
                "columns": {"views": "阅读量", "likes": "赞同", "comments": "评论", "shares": "分享", "saves": "收藏"},
                "content_id": "内容ID", "title": "标题", "published_at": "发布时间", "form_column": "内容类型",
                "forms": {"回答": "answer", "文章": "article"}
            },
            "account_daily": {
                "entity": "follower_daily", "account": "账号ID", "date": "日期",
                "columns": {"followers_total": "关注者总数", "new_followers": "新增关注", "unfollows": "取消关注"}
            }
        }
    },
    {
        "key": "wecom", "social": false, "delivery": "api", "names": ["企业微信"],
        "user_id_type": "wecom_external_userid", "user_ids_per_account": false
    },
    {"key": "shop", "social": false, "delivery": "api", "names": ["抖店"]},
    {
        "key": "crm", "social": false, "delivery": "export", "names": ["会员CRM", "会员"],
        "user_id_type": "crm_member_id", "user_ids_per_account": false
    },
    {"key": "live", "social": false, "delivery": "export", "names": ["直播场次"]},
    {"key": "ads", "social": false, "delivery": "export", "names": ["广告投放"]}
]) }}
{%- endmacro %}
