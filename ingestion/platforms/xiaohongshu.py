"""Xiaohongshu 专业号数据中心 exports: note data (笔记数据) and account data (账号数据)."""

from __future__ import annotations

from ingestion.platforms.export_files import ExportKind, ExportLayout
from ingestion.schema import RecordSchema

KINDS = {
    "note_daily": ExportKind(
        "笔记ID",
        RecordSchema(
            required=("日期", "账号ID", "笔记ID", "笔记标题", "首次发布时间", "体裁", "观看量"),
            counts=("曝光", "观看量", "点赞", "评论", "收藏", "分享", "涨粉"),
            rates=("完播率", "封面点击率"),
            durations=("人均观看时长(秒)",),
            timestamps=("首次发布时间",),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "content_daily",
            {
                "impressions": "曝光",
                "views": "观看量",
                "likes": "点赞",
                "comments": "评论",
                "shares": "分享",
                "saves": "收藏",
                "completion_rate": "完播率",
                "avg_watch_seconds": "人均观看时长(秒)",
                "follows_gained": "涨粉",
            },
            content_id="笔记ID",
            title="笔记标题",
            published_at="首次发布时间",
            form_column="体裁",
            forms={"视频": "video_note", "图文": "image_note"},
        ),
        key=("账号ID", "笔记ID"),
        # 笔记列表明细表 (docs/sources/exports.md §1a, OP etl/xhs.py, U1, grade A): 人均观看时长
        # in seconds, 封面点击率 a 0–1 fraction; 数据明细表 (§1b, CH import-xhs-data.js, grade
        # B): …数, rates in percent under (%), durations in seconds under (s)
        aliases={
            "人均观看时长": "人均观看时长(秒)",
            "平均观看时长(s)": "人均观看时长(秒)",
            "封面点击率(%)": "封面点击率",
            "完播率(%)": "完播率",
            "曝光数": "曝光",
            "观看数": "观看量",
            "点赞数": "点赞",
            "评论数": "评论",
            "收藏数": "收藏",
            "分享数": "分享",
            "笔记分享数": "分享",
            "涨粉数": "涨粉",
        },
        units={"封面点击率(%)": "%", "完播率(%)": "%"},
    ),
    "account_daily": ExportKind(
        "粉丝总数",
        RecordSchema(
            required=("日期", "账号ID", "粉丝总数", "新增粉丝"),
            counts=("粉丝总数", "新增粉丝", "取消关注"),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "account_daily",
            {"followers_total": "粉丝总数", "new_followers": "新增粉丝", "unfollows": "取消关注"},
        ),
        key=("账号ID",),
    ),
}
