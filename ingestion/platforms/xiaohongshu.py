"""Xiaohongshu 专业号数据中心 exports: note data (笔记数据) and account data (账号数据)."""

from __future__ import annotations

from ingestion.platforms.export_files import ExportKind
from ingestion.schema import RecordSchema

KINDS = {
    "note_daily": ExportKind(
        "笔记ID",
        RecordSchema(
            required=("日期", "账号ID", "笔记ID", "笔记标题", "首次发布时间", "体裁", "观看量"),
            counts=("曝光", "观看量", "点赞", "评论", "收藏", "分享", "涨粉"),
            rates=("完播率", "人均观看时长(秒)"),
            timestamps=("首次发布时间",),
            dates=("日期",),
        ),
    ),
    "account_daily": ExportKind(
        "粉丝总数",
        RecordSchema(
            required=("日期", "账号ID", "粉丝总数", "新增粉丝"),
            counts=("粉丝总数", "新增粉丝", "取消关注"),
            dates=("日期",),
        ),
    ),
}
