"""Creator-centre exports in the layouts people download (issue 17, item 1): the cited
sample files in docs/sources/export_samples load with every value as the file has it, the
account taken from the inbox sub-folder and the day from the file name or title row; a file
whose day or account cannot be told is refused with the reason."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path
from unittest.mock import ANY

import duckdb
import pytest
from openpyxl import Workbook

from ingestion.accounts import Account
from ingestion.platforms import build_source
from ingestion.runner import IngestResult, ingest_day
from ingestion.settings import SHANGHAI, Paths
from tests.helpers import rejected_reasons
from tests.integration.test_inbox_sensor import evaluate

SAMPLES = Path(__file__).parents[2] / "docs" / "sources" / "export_samples"


def load(home: Path, platform: str, day: date, accounts: list[str]) -> IngestResult:
    paths = Paths(home)
    source = build_source(platform, paths, {})
    registry = [Account(platform, a, a, "主号") for a in accounts]
    try:
        return ingest_day(
            source, day, registry, paths, "r1", lambda: duckdb.connect(str(paths.warehouse))
        )
    finally:
        source.close()


def raw(home: Path, table: str) -> list[dict]:
    with duckdb.connect(str(Paths(home).warehouse)) as con:
        rows = con.execute(f"select record from raw.{table}").fetchall()
    return [json.loads(r[0]) for r in rows]


def drop(home: Path, platform: str, account: str | None, sample: Path, name: str) -> Path:
    folder = home / "inbox" / platform
    if account:
        folder = folder / account
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(sample, folder / name))


def sample_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_zhihu_followers_export_loads_each_day_for_the_folders_account(tmp_path: Path):
    sample = SAMPLES / "zhihu" / "account_daily_followers_LOWCONF.xls.csv"
    drop(tmp_path, "zhihu", "zh_1", sample, "关注者数据.xls")
    for line in sample_rows(sample):
        day = date.fromisoformat(line["日期"])
        result = load(tmp_path, "zhihu", day, ["zh_1"])
        assert result.rows["follower_daily"] == 1, result
        (record,) = [r for r in raw(tmp_path, "zhihu__follower_daily") if r["日期"] == str(day)]
        assert record["账号ID"] == "zh_1"
        assert record["关注者总数"] == int(line["关注者总数"])
        assert record["新增关注"] == int(line["新增关注者"])  # the real name, aliased
        assert record["取消关注"] == int(line["减少关注者"])
        assert record["关注者变化"] == line["关注者变化"]  # an unmapped column kept as received


def titled(sample: Path, folder: Path, title: str) -> Path:
    """The sample with a title row above its header stating the one day it covers."""
    path = folder / f"titled_{sample.name}"
    path.write_text(f"{title}\n" + sample.read_text(encoding="utf-8-sig"), encoding="utf-8-sig")
    return path


def test_a_content_list_dated_by_its_file_name_is_a_snapshot_of_that_day(tmp_path: Path):
    """The real lists hold totals since publication as of the download: the file name's
    day dates the snapshot (test_cumulative_lists.py: how a day's numbers come of two)."""
    for platform, sample, table in (
        ("wechat_channels", SAMPLES / "wechat_channels" / "video_list.csv", "video_daily"),
        ("zhihu", SAMPLES / "zhihu" / "content_list_article.xls.csv", "content_daily"),
    ):
        drop(tmp_path, platform, "acc_1", sample, f"内容数据_2026-11-21{sample.suffix}")
        result = load(tmp_path, platform, date(2026, 11, 21), ["acc_1"])
        assert result.rows[table] == len(sample_rows(sample)), result
        assert {r["日期"] for r in raw(tmp_path, f"{platform}__{table}")} == {"2026-11-21"}


def test_channels_video_list_loads_for_the_day_its_title_row_gives(tmp_path: Path):
    sample = titled(
        SAMPLES / "wechat_channels" / "video_list.csv", tmp_path, "统计时间：2026年11月21日"
    )
    drop(tmp_path, "wechat_channels", "ch_1", sample, "视频号动态数据明细.csv")
    result = load(tmp_path, "wechat_channels", date(2026, 11, 21), ["ch_1"])
    lines = sample_rows(SAMPLES / "wechat_channels" / "video_list.csv")
    assert result.rows["video_daily"] == len(lines) == 3
    loaded = {r["视频ID"]: r for r in raw(tmp_path, "wechat_channels__video_daily")}
    for line in lines:
        record = loaded[line["视频ID"]]
        assert record["账号ID"] == "ch_1"
        assert record["日期"] == "2026-11-21"
        assert record["播放量"] == int(line["播放量"])
        assert record["喜欢"] == int(line["喜欢"])
        assert record["推荐"] == int(line["推荐"])
        assert record["评论"] == int(line["评论量"])
        assert record["分享"] == int(line["分享量"])  # not 转发聊天和朋友圈
        assert record["新增关注"] == int(line["关注量"])
        assert record["转发聊天和朋友圈"] == line["转发聊天和朋友圈"]
        assert record["完播率"] == pytest.approx(float(line["完播率"].rstrip("%")) / 100)
        assert record["平均播放时长(秒)"] == float(line["平均播放时长"].removesuffix("秒"))
        y, m, d = (int(x) for x in line["发布时间"].split("/"))
        assert record["发布时间"].startswith(date(y, m, d).isoformat())


def test_an_export_without_its_day_or_account_is_refused_with_the_reason(tmp_path: Path):
    """A list without a day in its title row or name is dated by its download (its
    modification time); a range in its title is the list's filter, not its day; a list
    outside an account folder names no account and is refused."""
    sample = SAMPLES / "wechat_channels" / "video_list.csv"
    folder = tmp_path / "inbox" / "wechat_channels"
    plain = drop(tmp_path, "wechat_channels", "ch_1", sample, "视频号动态数据明细.csv")
    noon = datetime(2026, 11, 21, 12, tzinfo=SHANGHAI).timestamp()
    os.utime(plain, (noon, noon))
    month = titled(sample, tmp_path, "统计时间：2026年11月01日 - 2026年11月30日")
    dropped = drop(tmp_path, "wechat_channels", "ch_2", month, "明细_11月.csv")
    os.utime(dropped, (noon, noon))
    drop(tmp_path, "wechat_channels", None, sample, "视频号动态数据明细_2026-11-21.csv")
    result = load(tmp_path, "wechat_channels", date(2026, 11, 21), ["ch_1", "ch_2"])
    assert result.rows["video_daily"] == 2 * len(sample_rows(sample))
    reasons = {**rejected_reasons(folder / "ch_1"), **rejected_reasons(folder)}
    assert list(reasons) == ["视频号动态数据明细_2026-11-21.csv"]
    assert "inbox/<platform>/<account_id>/" in reasons["视频号动态数据明细_2026-11-21.csv"][0]


def test_a_title_row_above_the_header_gives_the_day_and_units_apply(tmp_path: Path):
    """A banner and a 统计时间 title above the header (docs/sources/exports.md §1a, §6);
    the 数据明细表's names: rates in percent under (%), durations in seconds under (s)."""
    header = ["笔记ID", "笔记标题", "首次发布时间", "体裁", "曝光数", "观看数", "封面点击率(%)"]
    header += ["完播率(%)", "平均观看时长(s)", "点赞数", "笔记分享数"]
    row = ["n1", "通勤胶囊衣橱", "2026年11月18日20时15分03秒", "视频", 20110, 2380, 11.8]
    row += ["23.5", 18.9, 830, 33]
    wb = Workbook()
    sheet = wb.active
    sheet.append(["最多导出排序后前1000条笔记"])
    sheet.append(["统计时间：2026年11月19日"])
    sheet.append(header)
    sheet.append(row)
    sheet.append(["合计", "", "", "", 20110, 2380])
    folder = tmp_path / "inbox" / "xiaohongshu" / "x_1"
    folder.mkdir(parents=True)
    wb.save(folder / "笔记数据.xlsx")
    result = load(tmp_path, "xiaohongshu", date(2026, 11, 19), ["x_1"])
    assert result.rows["note_daily"] == 1, result
    (record,) = raw(tmp_path, "xiaohongshu__note_daily")
    assert record["账号ID"] == "x_1"
    assert record["日期"] == "2026-11-19"
    assert record["曝光"] == 20110
    assert record["观看量"] == 2380
    assert record["封面点击率"] == pytest.approx(0.118)
    assert record["完播率"] == pytest.approx(0.235)
    assert record["人均观看时长(秒)"] == 18.9
    assert record["点赞"] == 830
    assert record["分享"] == 33
    assert record["首次发布时间"].startswith("2026-11-18 20:15:03")


def test_a_note_list_without_note_ids_is_refused_with_the_reason(tmp_path: Path):
    """The XHS 笔记列表明细表 is per-note totals over a range with no note id (exports.md
    §1a): it is not a day's rows, so it is refused, never spread over days."""
    wb = Workbook()
    sheet = wb.active
    with (SAMPLES / "xiaohongshu" / "note_list.xlsx" / "Sheet1.csv").open(encoding="utf-8") as f:
        for line in csv.reader(f):
            sheet.append(line)
    folder = tmp_path / "inbox" / "xiaohongshu" / "x_1"
    folder.mkdir(parents=True)
    wb.save(folder / "笔记列表明细表.xlsx")
    load(tmp_path, "xiaohongshu", date(2026, 11, 19), ["x_1"])
    (reason,) = rejected_reasons(folder)["笔记列表明细表.xlsx"]
    assert "no header row in the first 10 rows" in reason


@pytest.mark.parametrize(
    ("sample", "form"),
    [("content_list_article.xls.csv", "文章"), ("content_list_answer.xls.csv", "回答")],
)
def test_zhihu_content_list_takes_its_id_and_form_from_the_link(
    tmp_path: Path, sample: str, form: str
):
    path = titled(SAMPLES / "zhihu" / sample, tmp_path, "统计时间：2026年11月20日")
    drop(tmp_path, "zhihu", "zh_1", path, f"内容数据_{form}.xls")
    result = load(tmp_path, "zhihu", date(2026, 11, 20), ["zh_1"])
    lines = sample_rows(SAMPLES / "zhihu" / sample)
    assert result.rows["content_daily"] == len(lines) == 2, result
    loaded = {r["内容ID"]: r for r in raw(tmp_path, "zhihu__content_daily")}
    for line in lines:
        record = loaded[line["链接"].rsplit("/", 1)[1]]  # the answer's or article's own id
        assert record["内容类型"] == form
        assert record["账号ID"] == "zh_1"
        assert record["日期"] == "2026-11-20"
        assert record["标题"] == line["标题"]
        assert record["发布时间"].startswith(line["发布时间"])
        assert record["阅读量"] == int(line["阅读"])
        assert record["赞同"] == int(line["点赞"])
        assert record["喜欢"] == int(line["喜欢"])
        for column in ("评论", "收藏", "分享"):
            assert record[column] == int(line[column])


def test_the_sensor_reads_account_folders_as_the_scheduled_load_does(tmp_path: Path):
    sample = SAMPLES / "zhihu" / "account_daily_followers_LOWCONF.xls.csv"
    drop(tmp_path, "zhihu", "zh_1", sample, "关注者数据.xls")
    drop(tmp_path, "zhihu", None, sample, "关注者数据.xls")  # no account: refused
    result = evaluate(tmp_path, None, "zhihu")
    (request,) = result.run_requests
    days = sorted(line["日期"] for line in sample_rows(sample))
    assert request.partition_key_range.start == days[0]
    assert request.partition_key_range.end == days[-1]
    assert json.loads(result.cursor) == {"zh_1/关注者数据.xls": ANY}
    (reason,) = rejected_reasons(tmp_path / "inbox" / "zhihu")["关注者数据.xls"]
    assert "no 账号ID column" in reason
