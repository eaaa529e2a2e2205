"""Xiaohongshu exports as 小红书创作服务平台 downloads them (docs/sources/exports.md §1), into
the account's folder ``inbox/xiaohongshu/<account_id>/`` (no file names its account).

Each day staff download again, so each name is rewritten with the longer series (the
platform suggests the same name on every download). A series starts on the first day the
simulator wrote the inbox (``.downloads``), not before: the days before were never loadable,
and a sensor would start runs for them (the demo's, the e2e's ``dagster dev``).

- per note, the two 数据明细表 workbooks (基础数据, 互动数据; §1b, CH src/import-xhs-data.js):
  an overview sheet (指标 | 数值), then a 日期 | <metric> sheet per metric, dates
  ``2026年1月2日``, rates in percent under (%), seconds under (s), plus an hourly sheet
  (not read). Named ``<笔记标题>-数据明细表_<noteId>.xlsx`` (the second `` (1)``): staff add
  the noteId from the detail page's address. Days since publication: staff download the
  notes of the last 30 days (older ones have no views left in the world, as Douyin's
  item data stops at 30 days).
- the 近30日涨粉数据 account workbook (§1c, U6, U7, U10): 账号总体涨粉数据, then
  <metric>趋势 sheets of 日期 | 数值, dates ``2026年10月01日``; the world has no profile
  visitors, so 主页访客 / 主页转粉率 are not written.
- the 笔记列表明细表 (§1a, OP etl/xhs.py): a banner row, the 13 columns, each note's totals
  over the 7 days its name states (``笔记列表明细表_<yyyymmdd>-<yyyymmdd>.xlsx``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from devtools.simulator.world import SimAccount, SimContent, World

DETAIL_DAYS = 30  # notes of these last days get a detail workbook (since publication)
LIST_DAYS = 7  # the note list's period
LIST_HEADER = ("笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞")
LIST_HEADER += ("评论", "收藏", "涨粉", "分享", "人均观看时长", "弹幕")
Sheets = dict[str, list[list[Any]]]


def _cn(day: date, padded: bool = False) -> str:
    return day.strftime("%Y年%m月%d日") if padded else f"{day.year}年{day.month}月{day.day}日"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _per_view(part: int, views: int, digits: int = 1) -> float | str:
    return round(part / views, digits) if views else 0


def _percent(part: int, whole: int) -> float | str:
    return round(100 * part / whole, 1) if whole else "-"


def save_workbook(path: Path, sheets: Sheets) -> Path:
    """A workbook of ``sheets`` (name → rows) at ``path``, its folder made."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # a reader never sees a half-written workbook
    return path


def _daily(name: str, days: list[date], values: Iterable[Any], padded: bool) -> list[list[Any]]:
    return [["日期", name], *([_cn(d, padded), v] for d, v in zip(days, values, strict=True))]


def note_detail(world: World, c: SimContent, first: date, day: date) -> tuple[Sheets, Sheets]:
    """The 基础数据 and 互动数据 workbooks of a note, its days from ``first`` (or its
    publication) to ``day``."""
    days = _days(max(c.publish_date, first), day)
    m = [world.content_day(c, d) for d in days]
    video = c.form == "video_note"

    def col(key: str) -> list[int]:
        return [x[key] for x in m]

    views = col("views")
    basic: Sheets = {
        "基础数据总览": [["指标", "数值"], ["曝光数", sum(col("impressions"))]],
        "曝光数（按天）": _daily("曝光数", days, col("impressions"), False),
        "观看数（按天）": _daily("观看数", days, views, False),
        "封面点击率（按天）": _daily(
            "封面点击率(%)", days, (_percent(x["views"], x["impressions"]) for x in m), False
        ),
        "平均观看时长（按天）": _daily(
            "平均观看时长(s)", days, (_per_view(x["watch_seconds"], x["views"]) for x in m), False
        ),
        "完播率（按天）": _daily(
            "完播率(%)",
            days,
            (_percent(x["completions"], x["views"]) if video else "-" for x in m),
            False,
        ),
        "涨粉数（按天）": _daily("涨粉数", days, col("follows"), False),
        "观看数（按小时）": [["时间", "观看数"], [f"{_cn(day)}20时", 0]],  # hourly: not read
    }
    interaction: Sheets = {
        "互动数据总览": [["指标", "数值"], ["点赞数", sum(col("likes"))]],
        "点赞数（按天）": _daily("点赞数", days, col("likes"), False),
        "评论数（按天）": _daily("评论数", days, col("comments"), False),
        "收藏数（按天）": _daily("收藏数", days, col("saves"), False),
        "分享数（按天）": _daily("分享数", days, col("shares"), False),
    }
    return basic, interaction


def account_workbooks(world: World, a: SimAccount, first: date, day: date) -> dict[str, Sheets]:
    """近30日涨粉数据 of the account, from ``first`` at most 30 days back to ``day`` (its
    观看数据 workbook, read as well, is not written: the detail workbooks give the notes')."""
    days = _days(max(world.history_start, first, day - timedelta(days=29)), day)
    flows = [world.account_day(a, d) for d in days]
    new, gone = [f["new_followers"] for f in flows], [f["unfollows"] for f in flows]
    return {
        "近30日涨粉数据.xlsx": {
            "账号总体涨粉数据": [["指标", "数值"], ["净涨粉", sum(new) - sum(gone)]],
            "净涨粉趋势": _daily(
                "数值", days, (n - g for n, g in zip(new, gone, strict=True)), True
            ),
            "新增关注趋势": _daily("数值", days, new, True),
            "取消关注趋势": _daily("数值", days, gone, True),
        },
    }


def note_list(world: World, a: SimAccount, day: date) -> tuple[str, Sheets]:
    """The 笔记列表明细表 of the account's notes: totals over the 7 days ending ``day``."""
    first = day - timedelta(days=LIST_DAYS - 1)
    rows: list[list[Any]] = [["最多导出排序后前1000条笔记"] * len(LIST_HEADER), list(LIST_HEADER)]
    for c in world.contents_of(a, day):
        m = [world.content_day(c, d) for d in _days(first, day)]
        t = {k: sum(x[k] for x in m) for k in m[0]}
        rows.append(
            [
                c.title,
                c.published_at.strftime("%Y年%m月%d日%H时%M分%S秒"),
                "视频" if c.form == "video_note" else "图文",
                t["impressions"],
                t["views"],
                _per_view(t["views"], t["impressions"], 3),  # a 0–1 fraction in this export
                t["likes"],
                t["comments"],
                t["saves"],
                t["follows"],
                t["shares"],
                _per_view(t["watch_seconds"], t["views"]),
                0,  # 弹幕: the world has none on Xiaohongshu
            ]
        )
    return f"笔记列表明细表_{first:%Y%m%d}-{day:%Y%m%d}.xlsx", {"Sheet1": rows}


DOWNLOADS = ".downloads"  # the first and last day written (hidden: not an inbox file)


def write_xiaohongshu(world: World, inbox: Path, day: date) -> list[Path]:
    """The day's downloads of every Xiaohongshu account, into its inbox folder. A day not
    after the last one written is left alone (the clock passing it again, as _write's)."""
    written = []
    for a in world.accounts_of("xiaohongshu"):
        folder = inbox / "xiaohongshu" / a.account_id
        mark = folder / DOWNLOADS
        first = day
        if mark.exists():
            first, last = (date.fromisoformat(d) for d in mark.read_text().split())
            if last >= day:
                continue
        for c in world.contents_of(a, day):
            if (day - c.publish_date).days >= DETAIL_DAYS:
                continue
            basic, interaction = note_detail(world, c, first, day)
            stem = f"{c.title}-数据明细表_{c.content_id}"
            written.append(save_workbook(folder / f"{stem}.xlsx", basic))
            written.append(save_workbook(folder / f"{stem} (1).xlsx", interaction))
        for name, sheets in account_workbooks(world, a, first, day).items():
            written.append(save_workbook(folder / name, sheets))
        name, sheets = note_list(world, a, day)
        written.append(save_workbook(folder / name, sheets))
        mark.write_text(f"{first} {day}")
    return written
