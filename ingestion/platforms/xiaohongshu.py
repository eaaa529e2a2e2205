"""Xiaohongshu (专业号数据中心) export files: note data (笔记数据) and account data (账号数据).

There is no public data API: operations staff export the data centre's tables and drop
them into ``<home>/inbox/xiaohongshu/``. A file is recognised by its headers, and a day's
rows are those whose 日期 is that day, whatever file they came in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import ExportFileError
from ingestion.exports import read_export
from ingestion.http import Page
from ingestion.schema import RecordSchema

# The header that identifies each export, and the headers it must have.
KINDS = {
    "note_daily": (
        "笔记ID",
        ("日期", "账号ID", "笔记ID", "笔记标题", "首次发布时间", "体裁", "观看量"),
    ),
    "account_daily": ("粉丝总数", ("日期", "账号ID", "粉丝总数", "新增粉丝")),
}


SCHEMAS = {
    "note_daily": RecordSchema(
        required=("日期", "账号ID", "笔记ID"),
        counts=("曝光", "观看量", "点赞", "评论", "收藏", "分享", "涨粉"),
        rates=("完播率", "人均观看时长(秒)"),
        timestamps=("首次发布时间",),
        dates=("日期",),
    ),
    "account_daily": RecordSchema(
        required=("日期", "账号ID"), counts=("粉丝总数", "新增粉丝", "取消关注"), dates=("日期",)
    ),
}


def classify(path: Path, rows: list[dict[str, Any]]) -> str:
    headers = set(rows[0]) if rows else set()
    for entity, (marker, required) in KINDS.items():
        if marker in headers:
            missing = [h for h in required if h not in headers]
            if missing:
                raise ExportFileError(f"{path}: {entity} export lacks column(s) {missing}")
            return entity
    raise ExportFileError(
        f"{path}: not a Xiaohongshu note or account export (headers {sorted(headers)})"
    )


class XiaohongshuSource:
    platform = "xiaohongshu"
    entities = tuple(KINDS)
    schemas = SCHEMAS
    snapshot_only = False

    def __init__(self, inbox: Path):
        self.folder = inbox / self.platform

    def close(self) -> None:
        pass

    def files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith(".")
        )

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        wanted = {a.account_id for a in accounts}
        for path in self.files():
            rows = read_export(path)
            if not rows:
                continue
            entity = classify(path, rows)
            mine = [
                r
                for r in rows
                if str(r.get("日期", ""))[:10] == day.isoformat() and str(r.get("账号ID")) in wanted
            ]
            if mine:
                yield Page(self.platform, entity, path.name, {"file": path.name}, {"rows": mine})

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        return list(page["body"]["rows"])
