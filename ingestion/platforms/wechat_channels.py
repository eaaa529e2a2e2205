"""WeChat Channels 视频号助手 exports: the works list (作品数据) and followers data (关注者数据).

There is no public statistics API for Channels. The works list (数据中心 → 作品数据 / 视频数据
→ 单篇视频 → 下载表格) holds each video's totals since publication as of the download: a
cumulative list (grain ``content_snapshots``), whose day's numbers dbt takes as the
difference of two days' lists. 喜欢 is the conformed likes, 推荐 a second signal kept in raw
(docs/sources/exports.md §2a: which icon is which is not proven).
"""

from __future__ import annotations

from ingestion.platforms.export_files import SNAPSHOTS, ExportKind, ExportLayout
from ingestion.schema import RecordSchema

KINDS = {
    "video_daily": ExportKind(
        "视频ID",
        RecordSchema(
            required=("日期", "账号ID", "视频ID", "发布时间", "播放量"),
            counts=("播放量", "喜欢", "推荐", "评论", "分享", "新增关注"),
            rates=("完播率",),
            durations=("平均播放时长(秒)",),
            timestamps=("发布时间",),
            dates=("日期",),
        ),
        layout=ExportLayout(
            SNAPSHOTS,
            {
                "views": "播放量",
                "likes": "喜欢",
                "comments": "评论",
                "shares": "分享",
                "completion_rate": "完播率",
                "avg_watch_seconds": "平均播放时长(秒)",
                "follows_gained": "新增关注",
            },
            content_id="视频ID",
            title="视频描述",
            published_at="发布时间",
            form="short_video",
        ),
        key=("账号ID", "视频ID"),
        # 下载表格's list (docs/sources/exports.md §2a, OP etl/channels.py, grade A): UTF-8
        # CSV with BOM, header on row 1, no 日期 or account column (the file's day and its
        # account folder give them), counts named …量, 完播率 "4.41%", 平均播放时长 "14.73秒",
        # 发布时间 a date ("2026/5/29"); 转发聊天和朋友圈 is its own counter, not 分享
        aliases={
            "平均播放时长": "平均播放时长(秒)",
            "评论量": "评论",
            "分享量": "分享",
            "关注量": "新增关注",
        },
    ),
    "follower_daily": ExportKind(
        "关注者总数",
        RecordSchema(
            required=("日期", "账号ID", "关注者总数"),
            counts=("关注者总数", "新增关注", "取消关注", "净增关注"),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "account_daily",
            {"followers_total": "关注者总数", "new_followers": "新增关注", "unfollows": "取消关注"},
        ),
        key=("账号ID",),
    ),
}
