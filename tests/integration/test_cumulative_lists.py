"""Cumulative content lists and the back-office layouts (issue 17): the 视频号 works list and
the 知乎 content lists hold each work's totals since publication as of the download, so
each file is a snapshot of its day (title row, else file name, else download day) and the
mart's day is the difference of two days' totals; CRM, live and ads files with title rows,
Chinese dates, money with separators and totals rows, as GBK, UTF-16 and HTML-table .xls,
load every value; empty and cut-short files are refused with the reason.

Every expected number is worked out by hand from the file contents written here."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.accounts import Account
from ingestion.platforms import build_source
from ingestion.raw import load_day
from ingestion.runner import IngestResult, ingest_day, raw_tables
from ingestion.settings import SHANGHAI, Paths
from tests.helpers import dbt_warehouse, finish_dbt, rejected_reasons, start_dbt

CHANNELS = "视频描述,视频ID,发布时间,完播率,平均播放时长,播放量,推荐,喜欢,评论量,分享量,关注量,"
CHANNELS += "转发聊天和朋友圈"
ZHIHU = "标题,发布时间,链接,阅读,点赞,喜欢,评论,收藏,分享"
ENV = {"SOCIALMART_HASH_KEY": "a test key of 16+ characters"}  # the CRM's phones are hashed
D19, D20, D21 = date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)


def load(home: Path, platform: str, day: date, accounts: list[str]) -> IngestResult:
    paths = Paths(home)
    source = build_source(platform, paths, {})
    registry = [Account(platform, a, a, "主号") for a in accounts]
    try:
        connect = lambda: duckdb.connect(str(paths.warehouse))  # noqa: E731
        return ingest_day(source, day, registry, paths, "r1", connect, ENV)
    finally:
        source.close()


def raw(home: Path, table: str, day: date) -> list[dict]:
    with duckdb.connect(str(Paths(home).warehouse)) as con:
        rows = con.execute(
            f"select record from raw.{table} where business_date = ?", [day]
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def write(home: Path, relative: str, text: str, encoding: str = "utf-8-sig") -> Path:
    path = home / "inbox" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def downloaded(path: Path, day: date) -> None:
    """Set the file's modification time to noon of ``day`` in Beijing (its download)."""
    stamp = datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def channels_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three downloads of account ch_1's works list: dated by file name (19th), by download
    day (20th) and by a title row (21st, GBK), each loaded for its day."""
    home = tmp_path_factory.mktemp("channels")
    write(
        home,
        "wechat_channels/ch_1/视频号动态数据明细_20261119.csv",
        f'{CHANNELS}\n"秋冬穿搭 #通勤",export/abc,2026/11/18,10.00%,12.5秒,1200,9,30,5,4,2,1\n',
    )
    second = write(
        home,
        "wechat_channels/ch_1/视频号动态数据明细.csv",
        f"{CHANNELS}\n"
        '"秋冬穿搭 #通勤",export/abc,2026/11/18,12.00%,14秒,"1,500",11,36,5,7,3,1\n'
        "新品,export/def,2026/11/20,50.00%,00:20,300,2,10,1,0,1,\n",
    )
    downloaded(second, D20)
    write(
        home,
        "wechat_channels/ch_1/作品数据_下载.csv",
        f"统计时间：2026年11月21日\n{CHANNELS}\n"
        '"秋冬穿搭 #通勤",export/abc,2026/11/18,12.00%,14秒,1400,12,40,6,7,3,1\n'
        "新品,export/def,2026/11/20,50.00%,20秒,450,3,15,1,0,1,\n",
        encoding="gbk",
    )
    for day in (D19, D20, D21):
        load(home, "wechat_channels", day, ["ch_1"])
    return home


def test_works_list_rows_land_with_every_value_of_the_file(channels_home: Path):
    (d19,) = raw(channels_home, "wechat_channels__video_daily", D19)
    assert d19["账号ID"] == "ch_1"  # the folder's account
    assert d19["日期"] == "2026-11-19"  # the file name's day
    assert d19["视频描述"] == "秋冬穿搭 #通勤"
    assert d19["视频ID"] == "export/abc"
    assert d19["发布时间"] == "2026-11-18 00:00:00"
    assert d19["完播率"] == pytest.approx(0.10)
    assert d19["平均播放时长(秒)"] == 12.5
    assert (d19["播放量"], d19["推荐"], d19["喜欢"]) == (1200, 9, 30)
    assert (d19["评论"], d19["分享"], d19["新增关注"]) == (5, 4, 2)
    assert d19["转发聊天和朋友圈"] == "1"  # its own counter, kept as received
    d20 = {r["视频ID"]: r for r in raw(channels_home, "wechat_channels__video_daily", D20)}
    assert {r["日期"] for r in d20.values()} == {"2026-11-20"}  # the download day
    assert d20["export/abc"]["播放量"] == 1500  # "1,500"
    assert d20["export/abc"]["平均播放时长(秒)"] == 14.0  # "14秒"
    assert d20["export/def"]["平均播放时长(秒)"] == 20.0  # "00:20"
    assert d20["export/def"]["完播率"] == pytest.approx(0.5)
    assert d20["export/def"]["转发聊天和朋友圈"] == ""  # blank: not applicable
    d21 = {r["视频ID"]: r for r in raw(channels_home, "wechat_channels__video_daily", D21)}
    assert d21["export/abc"]["日期"] == "2026-11-21"  # the GBK file's title row
    assert (d21["export/abc"]["播放量"], d21["export/def"]["播放量"]) == (1400, 450)


@pytest.fixture(scope="module")
def mart(channels_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fct_content_daily built on the Channels raw and two Zhihu article lists."""
    zhihu = "zhihu/zh_1/内容分析_文章_{}.xls"
    link = "https://zhuanlan.zhihu.com/p/5550001"
    head = f"{ZHIHU}\n"
    write(
        channels_home,
        zhihu.format("20261119"),
        head + f'长文,2026-11-01,{link},"1,000",10,2,3,4,1\n',
    )
    write(
        channels_home, zhihu.format("20261120"), head + f"长文,2026-11-01,{link},1.2万,25,5,3,6,1\n"
    )
    for day in (D19, D20):
        load(channels_home, "zhihu", day, ["zh_1"])
    with duckdb.connect(str(Paths(channels_home).warehouse)) as con:
        for key, entity in raw_tables():
            # every other raw table, empty (on a day of its own: a load replaces its day)
            load_day(con, key, [entity], date(2026, 1, 1), {}, "setup")
    root = tmp_path_factory.mktemp("dbt")
    shutil.copyfile(Paths(channels_home).warehouse, dbt_warehouse(root))
    # the mart's models and their tests (the unit tests of the snapshot differences among
    # them), but not those of the dims it is not built with
    skip = ("test_name:relationships",)
    finish_dbt(
        start_dbt(
            "build",
            root,
            "--select",
            "+fct_content_daily platform_metric_mapping",
            "--exclude",
            *skip,
        ),
        root,
    )
    return root


def mart_rows(root: Path, platform: str) -> dict[tuple[str, date], tuple]:
    with duckdb.connect(str(dbt_warehouse(root)), read_only=True) as con:
        rows = con.execute(
            "select content_id, business_date, views, likes, comments, shares, saves, "
            "follows_gained, completed_views, avg_watch_seconds from mart.fct_content_daily "
            "where platform = ?",
            [platform],
        ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_two_snapshots_a_day_apart_give_the_days_numbers(mart: Path):
    rows = mart_rows(mart, "wechat_channels")
    # views, likes, comments, shares, saves (none), follows, completed views, average
    # abc on the 20th: 1500-1200, 36-30, 5-5, 7-4, 3-2; completed round(1500×0.12) -
    # round(1200×0.10) = 180-120; watch seconds (1500×14 - 1200×12.5) / 300 views = 20
    assert rows[("export/abc", D20)] == (300, 6, 0, 3, None, 1, 60, 20.0)
    # def is published on the 20th: its first list's totals all fell on that day
    assert rows[("export/def", D20)] == (300, 10, 1, 0, None, 1, 150, 20.0)
    # def on the 21st: 450-300, 15-10, …; completed round(450×0.5) - 150 = 75
    assert rows[("export/def", D21)] == (150, 5, 0, 0, None, 0, 75, 20.0)
    # abc's first list (published the 18th, listed first the 19th): no day can be told
    assert rows[("export/abc", D19)] == (None,) * 6 + (None, None)
    # abc's 21st list has 1400 views after 1500: not a negative day, null, and flagged
    views, likes, comments = rows[("export/abc", D21)][:3]
    assert (views, likes, comments) == (None, 4, 1)
    zhihu = mart_rows(mart, "zhihu")
    # each list's works under its own platform only (the lists share one staging model)
    assert {content for content, _ in rows} == {"export/abc", "export/def"}
    assert {content for content, _ in zhihu} == {"5550001"}
    # 阅读 "1,000" then "1.2万"; 点赞 10 then 25; 收藏 4 then 6; the 1st list gives no day
    assert zhihu[("5550001", D20)][:5] == (11000, 15, 0, 0, 2)
    assert zhihu[("5550001", D19)][:5] == (None,) * 5


def test_a_smaller_total_is_flagged_by_a_warning(mart: Path):
    results = json.loads((mart / "dbt" / "target" / "run_results.json").read_text())
    (flag,) = [r for r in results["results"] if "totals_never_decrease" in r["unique_id"]]
    assert flag["status"] == "warn"
    assert flag["failures"] == 1  # export/abc on the 21st


@pytest.mark.parametrize(
    ("day", "failures"),
    # the 21st's totals against the 20th (the last list before the day), the 20th's against
    # the 21st (the first after it, as a backfill of the 20th sees it); the 19th's pair
    # with the 20th grows, and the 20th-21st pair is not the 19th's to test
    [(D21, 1), (D20, 1), (D19, 0)],
)
def test_a_daily_run_checks_the_snapshot_pairs_of_its_days(
    mart: Path, tmp_path: Path, day: date, failures: int
):
    root = tmp_path / "windowed"
    shutil.copytree(mart, root)
    test = "test_name:totals_never_decrease"
    finish_dbt(start_dbt("test", root, "--select", test, window=(day, day)), root)
    results = json.loads((root / "dbt" / "target" / "run_results.json").read_text())
    (flag,) = [r for r in results["results"] if "totals_never_decrease" in r["unique_id"]]
    assert flag["failures"] == failures


def test_back_office_layouts_load_every_value(tmp_path: Path):
    """Live sessions as an HTML-table .xls (title row, merged title, Chinese dates, money
    with separators, a 合计 row), ads as UTF-16 text with a 总计 row, CRM as GBK under a
    title row."""
    live = (
        "<html><head><meta charset='utf-8'></head><body><table>"
        "<tr><td colspan='11'>直播场次 统计时间：2026年11月20日</td></tr>"
        "<tr><th>日期</th><th>平台</th><th>账号ID</th><th>直播间ID</th><th>开播时间</th>"
        "<th>关播时间</th><th>观看人次</th><th>最高在线人数</th><th>新增粉丝</th>"
        "<th>成交订单数</th><th>成交金额(元)</th></tr>"
        "<tr><td>2026年11月20日</td><td>抖音</td><td>dy_1</td><td>R7</td>"
        "<td>2026/11/20 19:05</td><td>2026/11/20 21:35</td><td>1.2万</td><td>1,024</td>"
        "<td>35</td><td>12</td><td>1,234.56</td></tr>"
        "<tr><td>合计</td><td></td><td></td><td></td><td></td><td></td><td>1.2万</td>"
        "<td>1,024</td><td>35</td><td>12</td><td>1,234.56</td></tr>"
        "</table></body></html>"
    )
    write(tmp_path, "live/直播数据.xls", live, encoding="utf-8")
    ads = (
        "日期\t平台\t账号ID\t计划ID\t计划名称\t消耗(元)\t展示数\t点击数\t转化数\n"
        "2026/11/20\t小红书\tx_1\tC9\t秋冬拉新\t2,345.60\t10万+\t3,210\t--\n"
        "总计\t\t\t\t\t2,345.60\t100000\t3210\t0\n"
    )
    write(tmp_path, "ads/投放报表.txt.csv", ads, encoding="utf-16")
    crm = (
        "会员数据导出 2026年11月20日\n日期,会员ID,手机号,邮箱,unionid,注册时间,会员等级,积分\n"
        '2026年11月20日,M1,13800000000,,o_u1,2026年11月01日 10:00,金卡,"12,345"\n'
    )
    write(tmp_path, "crm/会员数据.csv", crm, encoding="gbk")
    assert load(tmp_path, "live", D20, ["dy_1"]).rows["sessions"] == 1
    assert load(tmp_path, "ads", D20, ["x_1"]).rows["spend_daily"] == 1
    assert load(tmp_path, "crm", D20, ["crm"]).rows["members"] == 1
    (session,) = raw(tmp_path, "live__sessions", D20)
    assert session["日期"] == "2026-11-20"
    assert (session["平台"], session["账号ID"], session["直播间ID"]) == ("抖音", "dy_1", "R7")
    assert session["开播时间"] == "2026-11-20 19:05:00"
    assert session["关播时间"] == "2026-11-20 21:35:00"
    assert (session["观看人次"], session["最高在线人数"]) == (12000, 1024)
    assert (session["新增粉丝"], session["成交订单数"]) == (35, 12)
    assert session["成交金额(元)"] == 1234.56
    (spend,) = raw(tmp_path, "ads__spend_daily", D20)
    assert spend["日期"] == "2026-11-20"
    assert (spend["平台"], spend["计划ID"], spend["计划名称"]) == ("小红书", "C9", "秋冬拉新")
    assert spend["消耗(元)"] == 2345.6
    assert (spend["展示数"], spend["点击数"]) == (100000, 3210)  # "10万+": its lower bound
    assert spend["转化数"] is None  # "--": not reported
    (member,) = raw(tmp_path, "crm__members", D20)
    assert (member["日期"], member["会员ID"], member["积分"]) == ("2026-11-20", "M1", 12345)
    assert member["注册时间"] == "2026-11-01 10:00:00"
    assert member["会员等级"] == "金卡"
    ledger = [json.loads(x) for x in (tmp_path / "inbox" / "live" / ".loaded.jsonl").open()]
    assert [e["totals_skipped"] for e in ledger] == [1]  # the 合计 row, counted


def test_empty_and_cut_short_files_are_refused_with_the_reason(tmp_path: Path):
    followers = "日期,关注者总数,新增关注者,减少关注者,关注者变化\n"
    write(tmp_path, "zhihu/zh_1/good.csv", followers + "2026-11-20,500,7,2,5\n")
    write(tmp_path, "zhihu/zh_1/empty.csv", "")
    write(tmp_path, "zhihu/zh_1/cut.csv", followers + "2026-11-20,500,7,2,5\n2026-11-20,50")
    write(tmp_path, "zhihu/zh_1/quote.xls", followers + '2026-11-20,"500')
    write(tmp_path, "zhihu/zh_1/cut.xlsx", "")
    (tmp_path / "inbox" / "zhihu" / "zh_1" / "cut.xlsx").write_bytes(b"PK\x03\x04\x14\x00")
    write(tmp_path, "zhihu/zh_1/page.xls", "<html><table><tr><td>日期</td>", "utf-8")
    result = load(tmp_path, "zhihu", D20, ["zh_1"])
    assert result.rows["follower_daily"] == 1  # the good file still loads
    (row,) = raw(tmp_path, "zhihu__follower_daily", D20)
    assert (row["关注者总数"], row["新增关注"], row["取消关注"]) == (500, 7, 2)
    reasons = {k: v[0] for k, v in rejected_reasons(tmp_path / "inbox" / "zhihu" / "zh_1").items()}
    assert "the file is empty" in reasons["empty.csv"]
    assert "cut short" in reasons["cut.csv"]
    assert "cut short" in reasons["quote.xls"]
    assert "damaged or cut short" in reasons["cut.xlsx"]
    assert "HTML table never ends" in reasons["page.xls"]


def test_a_cut_short_redownload_of_a_list_keeps_the_loaded_rows(tmp_path: Path):
    """The same list downloaded again, interrupted: refused with the reason, and the day's
    rows of the good download still load on the next run of that day."""
    name = "wechat_channels/ch_1/视频号动态数据明细_20261120.csv"
    good = f"{CHANNELS}\n新品,export/def,2026/11/20,50.00%,20秒,300,2,10,1,0,1,\n"
    path = write(tmp_path, name, good)
    assert load(tmp_path, "wechat_channels", D20, ["ch_1"]).rows["video_daily"] == 1
    path.write_bytes(good[:-20].encode("utf-8-sig"))  # the download stopped mid-row
    stamp = path.stat().st_mtime + 60  # a later download
    os.utime(path, (stamp, stamp))
    result = load(tmp_path, "wechat_channels", D20, ["ch_1"])
    assert result.rows["video_daily"] == 1
    (row,) = raw(tmp_path, "wechat_channels__video_daily", D20)
    assert (row["视频ID"], row["播放量"]) == ("export/def", 300)
    (reason,) = rejected_reasons(tmp_path / "inbox" / "wechat_channels" / "ch_1").values()
    assert "cut short" in reason[0]
