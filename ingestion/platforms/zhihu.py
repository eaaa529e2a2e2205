"""Zhihu creator centre (创作中心) exports: the content lists (内容分析) and follower data.

The 文章 / 回答 lists hold each content's totals since publication as of the download: a
cumulative list (grain ``content_snapshots``), whose day's numbers dbt takes as the
difference of two days' lists. 赞同 / 点赞 (upvotes) are the conformed likes; 喜欢 (hearts)
and 播放 (answers' video plays) stay in raw.
"""

from __future__ import annotations

from ingestion.platforms.export_files import SNAPSHOTS, ExportKind, ExportLayout, FromLink
from ingestion.schema import RecordSchema

KINDS = {
    "content_daily": ExportKind(
        "内容ID",
        RecordSchema(
            required=("日期", "账号ID", "内容ID", "内容类型", "发布时间", "阅读量"),
            counts=("阅读量", "赞同", "喜欢", "评论", "收藏", "分享"),
            timestamps=("发布时间",),
            dates=("日期",),
        ),
        layout=ExportLayout(
            SNAPSHOTS,
            {
                "views": "阅读量",
                "likes": "赞同",
                "comments": "评论",
                "shares": "分享",
                "saves": "收藏",
            },
            content_id="内容ID",
            title="标题",
            published_at="发布时间",
            form_column="内容类型",
            forms={"回答": "answer", "文章": "article"},
        ),
        key=("账号ID", "内容ID"),
        # 文章 / 回答 tab → 导出 (docs/sources/exports.md §3a, OP etl/zhihu.py, grade B): a
        # .xls holding UTF-8-BOM CSV text, one content type per file; no id, type, account
        # or 日期 column (the file's day and its account folder give them); 链接 is
        # zhuanlan.zhihu.com/p/<id> or /question/<q>/answer/<id>; 点赞 is the upvote
        # (assumption, docs/platforms.md)
        aliases={"阅读": "阅读量", "点赞": "赞同"},
        from_link=FromLink(
            "链接", "内容ID", "内容类型", {"/answer/": "回答", "zhuanlan.zhihu.com/p/": "文章"}
        ),
    ),
    "follower_daily": ExportKind(
        "关注者总数",
        RecordSchema(
            required=("日期", "账号ID", "关注者总数"),
            counts=("关注者总数", "新增关注", "取消关注"),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "account_daily",
            {"followers_total": "关注者总数", "new_followers": "新增关注", "unfollows": "取消关注"},
        ),
        key=("账号ID",),
        # 关注者 → 导出 (docs/sources/exports.md §3c, BZ normalize-self-media-dashboard.py,
        # grade C): 日期, 关注者总数, 新增关注者, 减少关注者, 关注者变化; no account column
        aliases={"新增关注者": "新增关注", "减少关注者": "取消关注"},
    ),
}
