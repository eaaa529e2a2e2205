"""The inbox sensor: new export files start runs for their dates; unreadable files are
moved aside with the reason; a file already seen starts nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.resources import SocialmartSettings
from tests.conftest import FIXTURES


def evaluate(home: Path, cursor: str | None):
    sensor = defs.resolve_sensor_def("inbox_xiaohongshu")
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={"settings": SocialmartSettings(home=str(home))},
        definitions=defs,
    )
    return sensor(context)


def test_sensor_requests_the_dates_and_rejects_unreadable_files(tmp_path: Path):
    folder = tmp_path / "inbox" / "xiaohongshu"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "xiaohongshu" / "note_export_gbk.csv", folder / "笔记数据_1120.csv")
    (folder / "账号数据_坏.xlsx").write_bytes(b"not a workbook")
    (folder / "no_date.csv").write_text("账号ID,粉丝总数\nx1,10\n", encoding="utf-8")

    result = evaluate(tmp_path, None)

    assert [r.partition_key for r in result.run_requests] == ["2026-11-20"]
    selection = result.run_requests[0].asset_selection
    assert dg.AssetKey(["raw", "xiaohongshu", "note_daily"]) in selection
    assert dg.AssetKey(["serving", "published_mart"]) in selection
    assert dg.AssetKey(["raw", "douyin", "video_daily"]) not in selection
    rejected = folder / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == [
        "no_date.csv",
        "no_date.csv.reason.txt",
        "账号数据_坏.xlsx",
        "账号数据_坏.xlsx.reason.txt",
    ]
    assert "no 日期 column" in (rejected / "no_date.csv.reason.txt").read_text(encoding="utf-8")
    assert "not a readable XLSX" in (rejected / "账号数据_坏.xlsx.reason.txt").read_text(
        encoding="utf-8"
    )
    assert not (folder / "账号数据_坏.xlsx").exists()

    again = evaluate(tmp_path, result.cursor)
    assert again.run_requests == []
