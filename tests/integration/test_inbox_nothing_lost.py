"""Export files as people really download them: no loaded row is ever lost to a broken file,
every refused file is kept with its reason, and the inbox sensor and the scheduled load
decide the same way about each file (issue 17, items 2 and 4)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import duckdb
from openpyxl import Workbook

from ingestion.accounts import Account
from ingestion.platforms import build_source
from ingestion.runner import IngestResult, ingest_day
from ingestion.settings import Paths
from tests.helpers import DAY, rejected_reasons
from tests.integration.test_inbox_sensor import evaluate

ACCOUNTS = [Account("xiaohongshu", x, "主号", "主号") for x in ("x1", "x2", "x3")]
FOLLOWERS = ["日期", "账号ID", "粉丝总数", "新增粉丝", "取消关注"]


def load(home: Path, run: str) -> IngestResult:
    paths = Paths(home)
    source = build_source("xiaohongshu", paths, {})
    try:
        return ingest_day(
            source, DAY, ACCOUNTS, paths, run, lambda: duckdb.connect(str(paths.warehouse))
        )
    finally:
        source.close()


def followers(home: Path) -> list[tuple]:
    with duckdb.connect(str(Paths(home).warehouse)) as con:
        return con.execute(
            "select record->>'账号ID', record->>'粉丝总数', record->>'新增粉丝'"
            " from raw.xiaohongshu__account_daily order by 2"
        ).fetchall()


def write_xlsx(path: Path, rows: list[list]) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "粉丝数据"
    for row in [FOLLOWERS, *rows]:
        sheet.append(row)
    wb.save(path)


def inbox(home: Path) -> Path:
    folder = home / "inbox" / "xiaohongshu"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_broken_redownload_over_a_loaded_file_loses_no_rows(tmp_path: Path):
    folder = inbox(tmp_path)
    write_xlsx(
        folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 100, 3, 1], ["2026-11-20", "x1", 90, 2, 0]]
    )
    assert load(tmp_path, "r1").rows["account_daily"] == 2

    # the same name downloaded again, cut short; then once more, cut shorter
    for run, junk in [("r2", b"PK\x03\x04 truncated"), ("r3", b"PK")]:
        (folder / "粉丝数据.xlsx").write_bytes(junk)
        result = load(tmp_path, run)
        assert result.rows["account_daily"] == 2
        assert followers(tmp_path) == [("x1", "100", "3"), ("x1", "90", "2")]
    # the run after the rejection (the one that used to delete the rows) keeps them too
    load(tmp_path, "r4")
    assert followers(tmp_path) == [("x1", "100", "3"), ("x1", "90", "2")]

    # both broken downloads are kept, each under its own name, each with its reason
    reasons = rejected_reasons(folder)["粉丝数据.xlsx"]
    assert len(reasons) == 2
    assert all("not a readable XLSX" in r for r in reasons)


def test_a_later_good_download_of_the_same_name_replaces_the_rows(tmp_path: Path):
    folder = inbox(tmp_path)
    write_xlsx(folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 100, 3, 1]])
    load(tmp_path, "r1")
    write_xlsx(folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 101, 4, 1]])
    load(tmp_path, "r2")
    assert followers(tmp_path) == [("x1", "101", "4")]


def test_totals_rows_are_skipped_and_counted(tmp_path: Path):
    folder = inbox(tmp_path)
    (folder / "粉丝.csv").write_text(
        ",".join(FOLLOWERS) + "\n2026/11/20,x1,100,3,1\n合计,,100,3,1\n", encoding="utf-8"
    )
    result = load(tmp_path, "r1")

    assert result.rows["account_daily"] == 1 and result.quarantined == {}
    (entry,) = [json.loads(line) for line in (folder / ".loaded.jsonl").read_text().splitlines()]
    assert (entry["file"], entry["day"], entry["totals_skipped"]) == ("粉丝.csv", "2026-11-20", 1)
    with gzip.open(result.landing_file, "rt", encoding="utf-8") as f:
        (page,) = [json.loads(line) for line in f]
    assert page["params"]["totals_skipped"] == 1


def test_an_unreadable_value_is_quarantined_with_file_sheet_row_and_column(tmp_path: Path):
    folder = inbox(tmp_path)
    write_xlsx(
        folder / "粉丝数据.xlsx",
        [["2026年11月20日", "x1", 100, 3, 1], ["2026年11月20日", "x1", "约100", 3, 1]],
    )
    # a row for an account that accounts.csv does not list is not dropped either
    (folder / "other.csv").write_text(
        ",".join(FOLLOWERS) + "\n2026-11-20,x9,5,1,0\n", encoding="utf-8"
    )
    result = load(tmp_path, "r1")

    assert result.rows["account_daily"] == 1
    with duckdb.connect(str(Paths(tmp_path).warehouse)) as con:
        reasons = con.execute("select reason from raw.quarantine order by reason").fetchall()
    assert reasons == [
        ("other.csv row 2: 账号ID 'x9' is not in accounts.csv",),
        ("粉丝数据.xlsx sheet '粉丝数据' row 3: unparseable '粉丝总数': '约100' is not a count",),
    ]


def test_sensor_and_schedule_decide_the_same_for_every_file(tmp_path: Path):
    """Each file dropped in two identical inboxes: one scanned by the sensor, one loaded by
    the scheduled run. The same files are refused, for the same reasons; the days the
    sensor asks for are the days the load finds rows for."""
    files = {
        # followers with the creator centre's slashed dates (issue 17: rejected by one path,
        # silently left in the inbox by the other)
        "slashes.csv": (",".join(FOLLOWERS) + "\n2026/11/20,x1,100,3,1\n").encode(),
        # UTF-16 text (Excel's "Unicode text", tab-separated): read
        "unicode.csv": ("\t".join(FOLLOWERS) + "\n2026-11-20\tx2\t90\t2\t0\n").encode("utf-16"),
        # 知乎's .xls is UTF-8-BOM CSV text (docs/sources/exports.md §3a): read
        "zhihu_like.xls": (",".join(FOLLOWERS) + "\n2026-11-20,x3,80,1,0\n").encode("utf-8-sig"),
        # an HTML table saved as .xls (公众号's, docs/sources/exports.md §4) cut short by an
        # interrupted download: refused with the reason (a whole one is read:
        # test_cumulative_lists.py)
        "user_analysis.xls": b"<html><table><tr><td>\xe6\x97\xa5\xe6\x9c\x9f</td></tr>",
        "notes.txt": b"not an export",  # an unknown kind of file: refused, never ignored
        "bad_period.csv": (",".join(FOLLOWERS) + "\n上周,x1,1,1,0\n").encode(),
    }
    homes = {"sensor": tmp_path / "a", "schedule": tmp_path / "b"}
    for home in homes.values():
        for name, data in files.items():
            (inbox(home) / name).write_bytes(data)

    (request,) = evaluate(homes["sensor"], None).run_requests
    result = load(homes["schedule"], "r1")

    refused = {
        side: {name: r[0].split(": ", 1)[1] for name, r in rejected_reasons(inbox(h)).items()}
        for side, h in homes.items()
    }
    assert refused["sensor"] == refused["schedule"]
    assert sorted(refused["sensor"]) == ["bad_period.csv", "notes.txt", "user_analysis.xls"]
    assert "HTML table never ends" in refused["sensor"]["user_analysis.xls"]
    assert "'上周' is not a date" in refused["sensor"]["bad_period.csv"]
    assert request.partition_key_range.start == request.partition_key_range.end == DAY.isoformat()
    assert result.rows["account_daily"] == 3
    assert followers(homes["schedule"]) == [
        ("x1", "100", "3"),
        ("x3", "80", "1"),
        ("x2", "90", "2"),
    ]
    for home in homes.values():  # the files that could be read stay in the inbox
        assert sorted(p.name for p in inbox(home).glob("[!.]*") if p.is_file()) == [
            "slashes.csv",
            "unicode.csv",
            "zhihu_like.xls",
        ]


def test_a_file_moved_aside_by_the_sensor_still_loads_its_earlier_version(tmp_path: Path):
    folder = inbox(tmp_path)
    write_xlsx(folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 100, 3, 1]])
    load(tmp_path, "r1")
    (folder / "粉丝数据.xlsx").write_bytes(b"truncated")

    assert evaluate(tmp_path, None).run_requests == []  # the sensor moves it aside
    load(tmp_path, "r2")  # the day's next scheduled run
    assert followers(tmp_path) == [("x1", "100", "3")]


def downloaded(path: Path, minute: int) -> None:
    """Give the file the modification time of a download at 2026-11-21 09:<minute>."""
    stamp = 1_795_741_200 + minute * 60  # 2026-11-21 09:00 Asia/Shanghai
    os.utime(path, (stamp, stamp))


def test_the_same_rows_as_csv_and_xlsx_load_once(tmp_path: Path):
    folder = inbox(tmp_path)
    (folder / "粉丝数据.csv").write_text(
        ",".join(FOLLOWERS) + "\n2026-11-20,x1,100,3,1\n", encoding="utf-8-sig"
    )
    downloaded(folder / "粉丝数据.csv", 0)
    write_xlsx(folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 100, 3, 1]])
    downloaded(folder / "粉丝数据.xlsx", 1)

    result = load(tmp_path, "r1")

    assert result.rows["account_daily"] == 1 and result.quarantined == {}
    assert followers(tmp_path) == [("x1", "100", "3")]


def test_a_later_export_of_the_same_account_and_day_replaces_the_earlier(tmp_path: Path):
    folder = inbox(tmp_path)
    # the morning's export covers 18–20 Nov; an hour later 20 Nov is exported again
    write_xlsx(
        folder / "粉丝数据_1118-1120.xlsx",
        [["2026-11-18", "x1", 90, 1, 0], ["2026-11-20", "x1", 100, 3, 1]],
    )
    downloaded(folder / "粉丝数据_1118-1120.xlsx", 0)
    write_xlsx(folder / "粉丝数据_1120.xlsx", [["2026-11-20", "x1", 104, 7, 1]])
    downloaded(folder / "粉丝数据_1120.xlsx", 60)

    result = load(tmp_path, "r1")

    assert followers(tmp_path) == [("x1", "104", "7")]
    # the superseded version is kept: its file, and its rows in the day's landing
    assert (folder / ".accepted" / "粉丝数据_1118-1120.xlsx").exists()
    with gzip.open(result.landing_file, "rt", encoding="utf-8") as f:
        pages = [json.loads(line) for line in f]
    assert [(p["params"]["file"], p["params"].get("superseded_by")) for p in pages] == [
        ("粉丝数据_1118-1120.xlsx", "粉丝数据_1120.xlsx"),
        ("粉丝数据_1120.xlsx", None),
    ]
    assert pages[0]["body"]["rows"][0]["粉丝总数"] == 100


def test_a_file_deleted_from_the_inbox_withdraws_its_rows(tmp_path: Path):
    folder = inbox(tmp_path)
    write_xlsx(folder / "粉丝数据.xlsx", [["2026-11-20", "x1", 100, 3, 1]])
    write_xlsx(folder / "错的.xlsx", [["2026-11-20", "x2", 5, 1, 0]])
    load(tmp_path, "r1")
    (folder / "错的.xlsx").unlink()  # staff remove a wrong file
    load(tmp_path, "r2")
    assert followers(tmp_path) == [("x1", "100", "3")]
