"""Export files as the platforms' creator centres produce them (Xiaohongshu 专业号数据中心).

One workbook per account per day and data family, with the Chinese headers of the export,
as an operations person would download it and drop it into the inbox.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import Workbook

from ingestion.simulator.world import World

NOTE_HEADERS = (
    "日期",
    "账号ID",
    "笔记ID",
    "笔记标题",
    "首次发布时间",
    "体裁",
    "曝光",
    "观看量",
    "点赞",
    "评论",
    "收藏",
    "分享",
    "涨粉",
    "人均观看时长(秒)",
    "完播率",
)
ACCOUNT_HEADERS = ("日期", "账号ID", "粉丝总数", "新增粉丝", "取消关注")
_FORM = {"video_note": "视频", "image_note": "图文"}


def write_xiaohongshu_exports(world: World, inbox: Path, day: date) -> list[Path]:
    """Write the day's note and account exports of every Xiaohongshu account; return paths."""
    folder = inbox / "xiaohongshu"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    stamp = day.strftime("%Y%m%d")
    for account in world.accounts_of("xiaohongshu"):
        notes = []
        for c in world.contents_of(account, day):
            m = world.content_day(c, day)
            video = c.form == "video_note"
            notes.append(
                (
                    day.isoformat(),
                    account.account_id,
                    c.content_id,
                    c.title,
                    c.published_at.strftime("%Y-%m-%d %H:%M:%S"),
                    _FORM[c.form],
                    m["impressions"],
                    m["views"],
                    m["likes"],
                    m["comments"],
                    m["saves"],
                    m["shares"],
                    m["follows"],
                    round(m["watch_seconds"] / m["views"], 1) if m["views"] else 0,
                    f"{m['completions'] / m['views']:.1%}" if video and m["views"] else "-",
                )
            )
        written.append(
            _write(
                folder / f"笔记数据_{account.account_id}_{stamp}.xlsx",
                "笔记数据",
                NOTE_HEADERS,
                notes,
            )
        )
        a = world.account_day(account, day)
        row = (
            day.isoformat(),
            account.account_id,
            a["followers_total"],
            a["new_followers"],
            a["unfollows"],
        )
        written.append(
            _write(
                folder / f"账号数据_{account.account_id}_{stamp}.xlsx",
                "账号数据",
                ACCOUNT_HEADERS,
                [row],
            )
        )
    return written


def _write(path: Path, sheet: str, headers: tuple[str, ...], rows: list[tuple]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    tmp = path.with_name("." + path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # a reader never sees a half-written workbook
    return path
