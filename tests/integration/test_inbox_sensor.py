"""The inbox sensor: new export files start one run per platform over their dates;
unreadable files are moved aside with the reason; a file already seen, or already loaded by
an earlier run, starts nothing."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from devtools.simulator.harness import RunningSimulator
from orchestration.definitions import defs
from orchestration.partitions import range_tags
from orchestration.resources import SocialmartSettings
from tests.helpers import DAY, FIXTURES, ingest, rejected_reasons


def evaluate(home: Path, cursor: str | None, platform: str = "xiaohongshu"):
    sensor = defs.resolve_sensor_def(f"inbox_{platform}")
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

    assert len(result.run_requests) == 1
    assert result.run_requests[0].partition_key_range == dg.PartitionKeyRange(
        "2026-11-20", "2026-11-20"
    )
    selection = result.run_requests[0].asset_selection
    assert dg.AssetKey(["raw", "xiaohongshu", "note_daily"]) in selection
    assert dg.AssetKey(["serving", "published_mart"]) in selection
    assert dg.AssetKey(["raw", "douyin", "video_daily"]) not in selection
    reasons = rejected_reasons(folder)
    assert sorted(reasons) == ["no_date.csv", "账号数据_坏.xlsx"]
    assert "no 日期 column" in reasons["no_date.csv"][0]
    assert "not a readable XLSX" in reasons["账号数据_坏.xlsx"][0]
    assert not (folder / "账号数据_坏.xlsx").exists()

    again = evaluate(tmp_path, result.cursor)
    assert again.run_requests == []


def test_files_of_several_days_start_one_range_run(tmp_path: Path):
    folder = tmp_path / "inbox" / "xiaohongshu"
    folder.mkdir(parents=True)
    header = "日期,账号ID,粉丝总数,新增粉丝,取消关注\n"
    for name, days in {"a.csv": ["2026-11-18", "2026-11-20"], "b.csv": ["2026-11-23"]}.items():
        rows = "".join(f"{d},x1,10,1,0\n" for d in days)
        (folder / name).write_text(header + rows, encoding="utf-8")

    (request,) = evaluate(tmp_path, None).run_requests

    assert request.tags | range_tags(date(2026, 11, 18), date(2026, 11, 23)) == request.tags
    assert request.partition_key is None


def test_files_a_run_already_loaded_start_nothing(simulator: RunningSimulator, sim_env):
    """`make demo` then `make dev`: the demo's export files were loaded by the demo's runs,
    so a sensor starting with no cursor (a new daemon) starts no run for them."""
    home = simulator.paths.home
    assert [r.partition_key_range for r in evaluate(home, None, "zhihu").run_requests] == [
        dg.PartitionKeyRange(DAY.isoformat(), DAY.isoformat())
    ]

    ingest(simulator, sim_env, "zhihu", DAY, "r1")
    simulator.set_today(DAY + timedelta(days=1))  # the same morning again: files untouched

    assert evaluate(home, None, "zhihu").run_requests == []
    assert evaluate(home, None).run_requests != []  # xiaohongshu's files were not loaded
