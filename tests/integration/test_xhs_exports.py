"""Xiaohongshu exports as downloaded from 小红书创作服务平台 (issue 17; docs/sources/exports.md
§1): the per-note 数据明细表 workbooks (a sheet per metric by day), the 近30日 account
workbooks and the 笔记列表明细表 (range totals), built here in their real layouts with
values known by hand, load with every value right; a re-export loads once; a broken
re-download keeps the rows loaded before."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from devtools.simulator.world import World
from devtools.simulator.xhs_exports import DETAIL_DAYS, save_workbook, write_xiaohongshu
from ingestion.accounts import Account
from ingestion.platforms import build_source
from ingestion.runner import ingest_day
from ingestion.settings import Paths
from tests.helpers import rejected_reasons
from tests.integration.test_inbox_sensor import evaluate

NOTE = "6740c0aa000000001d00abcd"  # a note id's shape (24 hex), as in the detail page's address
D1, D2 = date(2026, 11, 18), date(2026, 11, 19)
Sheets = dict[str, list[list]]


def workbook(path: Path, sheets: Sheets, mtime: float | None = None) -> Path:
    save_workbook(path, sheets)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def cn(day: date) -> str:
    """The detail sheets' date form: 2026年11月18日 (no zero padding, CH's regex)."""
    return f"{day.year}年{day.month}月{day.day}日"


def series(header: str, values: list) -> list[list]:
    return [["日期", header], *([cn(d), v] for d, v in zip((D1, D2), values, strict=True))]


BASIC: Sheets = {
    "基础数据总览": [["指标", "数值"], ["曝光数", 44980], ["观看数", 5294]],  # range totals
    "曝光数（按天）": series("曝光数", [20110, 24870]),
    "观看数（按天）": series("观看数", [2380, 2914]),
    "封面点击率（按天）": series("封面点击率(%)", [11.8, 11.7]),
    "平均观看时长（按天）": series("平均观看时长(s)", [18.9, 18.1]),
    "完播率（按天）": series("完播率(%)", [23.5, "--"]),
    "涨粉数（按天）": series("涨粉数", [5, 3]),
    "曝光数（按小时）": [["时间", "曝光数"], [f"{cn(D1)}20时", 311]],  # hourly: not loaded
}
INTERACTION: Sheets = {
    "互动数据总览": [["指标", "数值"], ["点赞数", 723]],
    "点赞数（按天）": series("点赞数", [322, 401]),
    "评论数（按天）": series("评论数", [20, 25]),
    "收藏数（按天）": series("收藏数", [90, 120]),
    "分享数（按天）": series("分享数", [14, 19]),
    "弹幕数（按天）": series("弹幕数", [2, 0]),
}


def trend(values: list) -> list[list]:
    return series("数值", values)


FANS: Sheets = {
    "账号总体涨粉数据": [["指标", "数值"], ["净涨粉", 5], ["新增关注", 9]],
    "净涨粉趋势": trend([3, 2]),
    "新增关注趋势": trend([4, 5]),
    "取消关注趋势": trend([1, 3]),
    "主页访客趋势": trend([31, 27]),
    "主页转粉率趋势": trend([12.9, 0]),
}
VIEWS: Sheets = {
    "账号总体观看数据": [["指标", "数值"], ["观看", 2452]],
    "曝光趋势": trend([9120, 12044]),
    "观看趋势": trend([1050, 1402]),
    "封面点击率趋势": trend([11.51, 11.64]),
    "平均观看时长趋势": trend([18.2, 20.7]),
}
LIST_HEADER = ["笔记标题", "首次发布时间", "体裁", "曝光", "观看量", "封面点击率", "点赞"]
LIST_HEADER += ["评论", "收藏", "涨粉", "分享", "人均观看时长", "弹幕"]
LIST_ROWS = [
    ["通勤胶囊衣橱｜一周不重样", "2026年11月18日20时15分03秒", "视频", 52310, 6120, 0.117, 830]
    + [45, 210, 12, 33, 18.4, 6],
    ["", "2026年11月15日12时30分00秒", "图文", 412, 37, 0.09, 3, 0, 1, 0, 0, 9, 0],
]
NOTE_LIST: Sheets = {"Sheet1": [["最多导出排序后前1000条笔记"] * 13, LIST_HEADER, *LIST_ROWS]}


def folder(home: Path) -> Path:
    return home / "inbox" / "xiaohongshu" / "x_1"


def load(home: Path, day: date, run: str = "r1", accounts: tuple[str, ...] = ("x_1",)):
    paths = Paths(home)
    source = build_source("xiaohongshu", paths, {})
    registry = [Account("xiaohongshu", a, "主号", "主号") for a in accounts]
    try:
        return ingest_day(
            source, day, registry, paths, run, lambda: duckdb.connect(str(paths.warehouse))
        )
    finally:
        source.close()


def raw(home: Path, entity: str, day: date | None = None) -> list[dict]:
    with duckdb.connect(str(Paths(home).warehouse)) as con:
        rows = con.execute(
            f"select business_date, record from raw.xiaohongshu__{entity} order by _source"
        ).fetchall()
    return [json.loads(r) for d, r in rows if day is None or d == day]


def by_part(records: list[dict]) -> dict[str, dict]:
    out = {r["数据表"]: r for r in records}
    assert len(out) == len(records), records
    return out


def test_note_detail_workbooks_load_each_days_values(tmp_path: Path):
    workbook(folder(tmp_path) / f"通勤胶囊衣橱-数据明细表_{NOTE}.xlsx", BASIC)
    workbook(folder(tmp_path) / f"通勤胶囊衣橱-数据明细表_{NOTE} (1).xlsx", INTERACTION)
    for day, i in ((D1, 0), (D2, 1)):
        result = load(tmp_path, day)
        assert result.rows["note_daily"] == 2, result  # one row per workbook (part)
        parts = by_part(raw(tmp_path, "note_daily", day))
        basic, interaction = parts["基础数据总览"], parts["互动数据总览"]
        for record in (basic, interaction):
            assert record["笔记ID"] == NOTE
            assert record["笔记标题"] == "通勤胶囊衣橱"
            assert record["账号ID"] == "x_1"
            assert record["日期"] == day.isoformat()
        assert basic["曝光"] == [20110, 24870][i]
        assert basic["观看量"] == [2380, 2914][i]
        assert basic["封面点击率"] == pytest.approx([0.118, 0.117][i])
        assert basic["人均观看时长(秒)"] == [18.9, 18.1][i]
        assert basic["完播率"] == [pytest.approx(0.235), None][i]  # "--": not reported
        assert basic["涨粉"] == [5, 3][i]
        assert "点赞" not in basic
        assert interaction["点赞"] == [322, 401][i]
        assert interaction["评论"] == [20, 25][i]
        assert interaction["收藏"] == [90, 120][i]
        assert interaction["分享"] == [14, 19][i]
        assert interaction["弹幕"] == [2, 0][i]
        assert "曝光" not in interaction
    assert not raw(tmp_path, "note_daily", date(2026, 11, 20))


def test_a_detail_workbook_named_by_title_only_is_that_notes(tmp_path: Path):
    workbook(folder(tmp_path) / "冬天的早餐清单-数据明细表.xlsx", BASIC)
    assert load(tmp_path, D1).rows["note_daily"] == 1
    (record,) = raw(tmp_path, "note_daily")
    assert record["笔记ID"] == record["笔记标题"] == "冬天的早餐清单"


def test_account_workbooks_load_each_days_series(tmp_path: Path):
    workbook(folder(tmp_path) / "近30日涨粉数据.xlsx", FANS)
    workbook(folder(tmp_path) / "近30日观看数据.xlsx", VIEWS)
    for day, i in ((D1, 0), (D2, 1)):
        assert load(tmp_path, day).rows["account_daily"] == 2
        parts = by_part(raw(tmp_path, "account_daily", day))
        fans, views = parts["账号总体涨粉数据"], parts["账号总体观看数据"]
        assert fans["账号ID"] == views["账号ID"] == "x_1"
        assert fans["新增粉丝"] == [4, 5][i]  # 新增关注 → new_followers
        assert fans["取消关注"] == [1, 3][i]
        assert fans["净涨粉"] == [3, 2][i]
        assert fans["主页访客"] == [31, 27][i]
        assert fans["主页转粉率"] == pytest.approx([0.129, 0.0][i])
        assert "粉丝总数" not in fans  # the real export has no follower total
        assert views["曝光"] == [9120, 12044][i]
        assert views["观看"] == [1050, 1402][i]
        assert views["封面点击率"] == pytest.approx([0.1151, 0.1164][i])
        assert views["平均观看时长"] == [18.2, 20.7][i]


def test_note_list_is_kept_as_range_totals_of_its_period(tmp_path: Path):
    workbook(folder(tmp_path) / "笔记列表明细表_20261101-20261130.xlsx", NOTE_LIST)
    result = load(tmp_path, date(2026, 11, 30))
    assert result.rows["note_list"] == 2, result
    assert not result.rows.get("note_daily")  # never spread over days
    loaded = {r["首次发布时间"]: r for r in raw(tmp_path, "note_list", date(2026, 11, 30))}
    first, second = (loaded[published] for published in sorted(loaded, reverse=True))
    assert first["首次发布时间"].startswith("2026-11-18 20:15:03")
    assert second["首次发布时间"].startswith("2026-11-15 12:30:00")
    for record, line in ((first, LIST_ROWS[0]), (second, LIST_ROWS[1])):
        assert record["统计开始"] == "2026-11-01"
        assert record["统计结束"] == "2026-11-30"
        assert record["账号ID"] == "x_1"
        assert (record["笔记标题"] or "") == line[0]  # a note may have no title
        assert record["体裁"] == line[2]
        for column in ("曝光", "观看量", "点赞", "评论", "收藏", "涨粉", "分享", "弹幕"):
            assert record[column] == line[LIST_HEADER.index(column)], column
        assert record["封面点击率"] == line[5]  # already a fraction
        assert record["人均观看时长"] == line[11]


def test_a_note_list_without_a_stated_period_is_totals_up_to_its_download(tmp_path: Path):
    downloaded = datetime(2026, 11, 21, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # UTC: the 20th
    workbook(folder(tmp_path) / "笔记列表明细表.xlsx", NOTE_LIST, downloaded.timestamp())
    assert load(tmp_path, date(2026, 11, 21)).rows["note_list"] == 2
    for record in raw(tmp_path, "note_list"):
        assert record["统计开始"] is None
        assert record["统计结束"] == "2026-11-21"


def test_a_reexport_of_the_same_workbook_loads_once_the_latest(tmp_path: Path):
    first = workbook(folder(tmp_path) / f"笔记-数据明细表_{NOTE}.xlsx", BASIC, 1_700_000_000)
    assert load(tmp_path, D1).rows["note_daily"] == 1
    again = {**BASIC, "观看数（按天）": series("观看数", [2400, 2914])}
    workbook(first.with_name(f"笔记-数据明细表_{NOTE} (2).xlsx"), again, 1_700_003_600)
    result = load(tmp_path, D1, "r2")
    assert result.rows["note_daily"] == 1, result
    (record,) = raw(tmp_path, "note_daily", D1)
    assert record["观看量"] == 2400  # the later download


def test_a_broken_redownload_keeps_the_rows_loaded_before(tmp_path: Path):
    path = workbook(folder(tmp_path) / f"笔记-数据明细表_{NOTE}.xlsx", BASIC)
    workbook(folder(tmp_path) / "近30日涨粉数据.xlsx", FANS)
    assert load(tmp_path, D1).rows == {"note_daily": 1, "account_daily": 1, "note_list": 0}
    path.write_bytes(b"PK\x03\x04 cut short")
    result = load(tmp_path, D1, "r2")
    assert result.rows["note_daily"] == 1
    (record,) = raw(tmp_path, "note_daily", D1)
    assert record["观看量"] == 2380
    (reason,) = rejected_reasons(folder(tmp_path))[path.name]
    assert "not a readable XLSX" in reason


def test_an_unreadable_value_is_quarantined_with_its_place(tmp_path: Path):
    # the bad cell is on its own sheet, one row lower than the day's row in the other sheets
    header, *days = series("观看数", ["约100", 2914])
    broken = {**BASIC, "观看数（按天）": [header, [None, None], *days]}
    workbook(folder(tmp_path) / f"笔记-数据明细表_{NOTE}.xlsx", broken)
    result = load(tmp_path, D1)
    assert result.quarantined == {"note_daily": 1}, result
    (reason,) = result.quarantine_reasons
    assert f"笔记-数据明细表_{NOTE}.xlsx sheet '观看数（按天）' row 3" in reason, reason
    assert "观看量" in reason and "约100" in reason


def test_a_redownload_starts_a_run_for_its_new_days_only(tmp_path: Path):
    """A 近30日 workbook downloaded again a day later repeats the days already loaded."""
    path = workbook(folder(tmp_path) / "近30日涨粉数据.xlsx", FANS)
    (request,) = evaluate(tmp_path, None).run_requests
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2026-11-18",
        "2026-11-19",
    )
    for day in (D1, D2):
        load(tmp_path, day)
    d3 = date(2026, 11, 20)
    later = {k: v + ([[cn(d3), 7]] if k.endswith("趋势") else []) for k, v in FANS.items()}
    workbook(path, later)
    (request,) = evaluate(tmp_path, None).run_requests
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2026-11-20",
        "2026-11-20",
    )


def test_the_simulators_downloads_load_the_worlds_numbers(tmp_path: Path):
    """devtools' XHS files (the demo's, the e2e's), loaded, give the world's numbers."""
    world, day = World(scale="tiny"), date(2026, 11, 20)
    write_xiaohongshu(world, tmp_path / "inbox", day)
    accounts = world.accounts_of("xiaohongshu")
    result = load(tmp_path, day, accounts=tuple(a.account_id for a in accounts))
    assert not result.quarantined and not result.rejected_files, result
    notes: dict[str, dict] = {}
    for record in raw(tmp_path, "note_daily", day):
        notes.setdefault(record["笔记ID"], {}).update(record)
    listed = {(r["账号ID"], r["笔记标题"]): r for r in raw(tmp_path, "note_list", day)}
    recent = 0
    for a in accounts:
        for c in world.contents_of(a, day):
            truth = world.content_day(c, day)
            entry = listed[(a.account_id, c.title)]
            assert entry["首次发布时间"] == c.published_at.strftime("%Y-%m-%d %H:%M:%S")
            assert entry["体裁"] == ("视频" if c.form == "video_note" else "图文")
            if (day - c.publish_date).days >= DETAIL_DAYS:
                assert c.content_id not in notes
                continue
            recent += 1
            note = notes[c.content_id]
            assert note["账号ID"] == a.account_id and note["笔记标题"] == c.title
            for column, metric in (("曝光", "impressions"), ("观看量", "views"), ("点赞", "likes"),
                                   ("评论", "comments"), ("收藏", "saves"), ("分享", "shares"),
                                   ("涨粉", "follows")):  # fmt: skip
                assert note[column] == truth[metric], (column, c.content_id)
        (fans,) = [r for r in raw(tmp_path, "account_daily", day) if r["账号ID"] == a.account_id]
        flows = world.account_day(a, day)
        assert fans["新增粉丝"] == flows["new_followers"]
        assert fans["取消关注"] == flows["unfollows"]
    assert recent > 0
