"""The daily report of a demo day, rendered from a hand-made published mart whose every
number is set here; the robots get it in each one's documented form.

Demo day Monday 2026-11-30, compared with Monday 2026-11-23: matrix views 12,000 vs
10,000 (+20.0%), interactions 960 vs 1,000 (-4.0%), engagement 8% vs 10% (-20.0%), net new
followers 150 vs 200 (-25.0%), orders 12 vs 0 (no ratio), total GMV 3,456.78 vs 3,000 (+15.2%),
ROI 2.5 vs unknown. Douyin moved +3,000 views (8,000 vs 5,000), Xiaohongshu -1,000.
Two negative comments are due 10:00 and 12:30 Beijing time (02:00 and 04:30 UTC).
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from serving.alerting import Webhook
from serving.chromium import CHROMIUM
from serving.reports import (
    CJK_FONT,
    PAGE_WIDTH,
    Period,
    ReportFiles,
    deliver,
    periods_for,
    render_html,
    report_data,
    write_report,
)
from tests.helpers import Receiver, report_cells

DAY = date(2026, 11, 30)
WEEK_BEFORE = date(2026, 11, 23)
MATRIX = {
    DAY: dict(views=12_000, interactions=960, engagement_rate=0.08, net_new_followers=150,
              orders=12, total_gmv_yuan=3456.78, roi=2.5),
    WEEK_BEFORE: dict(views=10_000, interactions=1_000, engagement_rate=0.10,
                      net_new_followers=200, orders=0, total_gmv_yuan=3000.0, roi=None),
}  # fmt: skip
PLATFORM_VIEWS = {("douyin", DAY): 8_000, ("xiaohongshu", DAY): 4_000,
                  ("douyin", WEEK_BEFORE): 5_000, ("xiaohongshu", WEEK_BEFORE): 5_000}  # fmt: skip
ACCOUNTS = {"douyin": "douyin:a1", "xiaohongshu": "xiaohongshu:x1"}


def utc(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict]) -> None:
    frame = pl.DataFrame(rows, infer_schema_length=None)
    con.register("frame", frame)
    con.execute(f"create table {name} as select * from frame")
    con.unregister("frame")


def build_published(path: Path) -> None:
    """The published tables the report reads, with the columns it reads."""
    con = duckdb.connect(str(path))
    con.execute("create schema kpi; create schema mart")
    table(con, "kpi.kpi_matrix_daily", [{"business_date": d, **m} for d, m in MATRIX.items()])
    # ISO week 11-23..11-29 against 11-16..11-22
    table(con, "kpi.kpi_matrix_weekly", [
        {"period_start": date(2026, 11, 23), **MATRIX[DAY], "views": 70_000},
        {"period_start": date(2026, 11, 16), **MATRIX[WEEK_BEFORE], "views": 56_000},
    ])  # fmt: skip
    platform_rows = [
        {"platform": p, "business_date": d, "views": v, "engagement_rate": 0.05}
        for (p, d), v in PLATFORM_VIEWS.items()
    ]
    table(con, "kpi.kpi_platform_daily", platform_rows)
    table(con, "kpi.kpi_account_daily", [
        {"account_key": ACCOUNTS[p], "business_date": d, "views": v}
        for (p, d), v in PLATFORM_VIEWS.items()
    ])  # fmt: skip
    table(con, "kpi.kpi_matrix_monthly", [
        {"period_start": date(2026, 11, 1), **MATRIX[DAY], "views": 300_000},
    ])  # fmt: skip
    for grain, start in (("weekly", date(2026, 11, 23)), ("monthly", date(2026, 11, 1))):
        for level, key in (("platform", "platform"), ("account", "account_key")):
            table(con, f"kpi.kpi_{level}_{grain}", [
                {key: "douyin" if level == "platform" else "douyin:a1",
                 "period_start": start, "views": 9, "engagement_rate": 0.1},
            ])  # fmt: skip
    table(con, "mart.dim_platform", [
        {"platform": "douyin", "platform_name": "抖音"},
        {"platform": "xiaohongshu", "platform_name": "小红书"},
    ])  # fmt: skip
    table(con, "mart.dim_account", [
        {"account_key": "douyin:a1", "platform": "douyin", "account_name": "品牌官方"},
        {"account_key": "xiaohongshu:x1", "platform": "xiaohongshu", "account_name": "品牌主号"},
    ])  # fmt: skip
    table(con, "kpi.kpi_status", [
        {"kpi": "roi", "kpi_name": "ROI", "scope": "matrix", "scope_key": "matrix",
         "business_date": DAY, "value": 2.5, "comparator": ">=", "target_value": 6.0,
         "status": "red"},
        {"kpi": "data_coverage", "kpi_name": "数据覆盖率", "scope": "matrix",
         "scope_key": "matrix", "business_date": DAY, "value": 1.0, "comparator": ">=",
         "target_value": 0.95, "status": "green"},
        {"kpi": "engagement_rate", "kpi_name": "互动率", "scope": "account",
         "scope_key": "douyin:a1", "business_date": DAY, "value": 0.075, "comparator": ">=",
         "target_value": 0.08, "status": "amber"},
    ])  # fmt: skip
    alert = {"alert_id": "", "alert_type": "negative_comment", "severity": "warning",
             "business_date": DAY, "scope": "content", "scope_name": "「新品发布」",
             "alert_level": 2, "respond_by": None, "message": "", "contributors": None,
             "group_key": "negative_comment:content", "group_rank": 1}  # fmt: skip
    table(con, "kpi.kpi_alerts", [
        {**alert, "alert_id": "c2", "respond_by": utc(30, 4, 30), "message": "差评 B"},
        {**alert, "alert_id": "c1", "respond_by": utc(30, 2, 0), "message": "假货 A",
         "severity": "critical", "alert_level": 3},
        {**alert, "alert_id": "c0", "business_date": date(2026, 11, 29),
         "respond_by": utc(29, 1, 0), "message": "昨天的评论"},
        {**alert, "alert_id": "s1", "alert_type": "swing", "scope": "matrix",
         "message": "matrix views +20.0% vs baseline", "contributors": "抖音 +3000",
         "respond_by": None, "group_key": "swing:matrix"},
    ])  # fmt: skip
    table(con, "mart.fct_content_daily", [
        {"content_key": "douyin:v1", "platform": "douyin", "business_date": DAY,
         "views": 7_000, "likes": 300, "comments": 20, "shares": 10},
        {"content_key": "xiaohongshu:n1", "platform": "xiaohongshu", "business_date": DAY,
         "views": 4_000, "likes": 200, "comments": 5, "shares": 1},
        {"content_key": "douyin:v2", "platform": "douyin", "business_date": WEEK_BEFORE,
         "views": 99_000, "likes": 1, "comments": 1, "shares": 1},
    ])  # fmt: skip
    table(con, "mart.dim_content", [
        {"content_key": "douyin:v1", "title": "新品发布 第1期"},
        {"content_key": "xiaohongshu:n1", "title": "使用教程"},
        {"content_key": "douyin:v2", "title": "上周的爆款"},
    ])  # fmt: skip
    con.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-zenhei)")
    home = tmp_path_factory.mktemp("report")
    build_published(home / "socialmart.duckdb")
    return write_report(home / "socialmart.duckdb", home / "reports", Period("daily", DAY, DAY))


def test_the_daily_report_shows_the_published_headlines_against_the_week_before(report):
    html = report.html.read_text(encoding="utf-8")
    assert report.html == report.html.parents[1] / "2026-11-30" / "report.html"
    assert report_cells(html, "headlines") == [
        ["播放量", "12,000", "10,000", "+20.0%"],
        ["互动量", "960", "1,000", "-4.0%"],
        ["互动率", "8.00%", "10.00%", "-20.0%"],
        ["净增粉丝", "150", "200", "-25.0%"],
        ["订单数", "12", "0", "–"],
        ["总GMV (元)", "3,456.78", "3,000.00", "+15.2%"],
        ["ROI", "2.50", "–", "–"],
    ]
    # matrix targets, missed first; the account's amber is counted in the chart only
    assert report_cells(html, "status") == [
        ["ROI", "2.5000", ">= 6.0", "red"],
        ["数据覆盖率", "1.0000", ">= 0.95", "green"],
    ]
    assert report_cells(html, "movers") == [
        ["抖音", "8,000", "5,000", "+3,000"],
        ["小红书", "4,000", "5,000", "-1,000"],
        ["品牌官方 (douyin)", "8,000", "5,000", "+3,000"],
        ["品牌主号 (xiaohongshu)", "4,000", "5,000", "-1,000"],
    ]
    assert report_cells(html, "swings") == [["matrix views +20.0% vs baseline"]]
    # the day's contents only (last week's 99,000 views are not the day's)
    assert [row[:3] for row in report_cells(html, "contents")] == [
        ["新品发布 第1期", "抖音", "7,000"],
        ["使用教程", "小红书", "4,000"],
    ]
    # the day's comment alerts, earliest deadline first, in Beijing time
    assert report_cells(html, "comments") == [
        ["2026-11-30 10:00", "critical", "假货 A"],
        ["2026-11-30 12:30", "warning", "差评 B"],
    ]
    charts = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(charts) == 4
    assert all(f'font-family="{CJK_FONT}"' in chart for chart in charts)
    # kpi_status of the day at every scope: green, amber, red, no_data
    assert re.findall(r">([\w]+)</text>", charts[3]) == [
        "green",
        "1",
        "amber",
        "1",
        "red",
        "1",
        "no_data",
        "0",
    ]


def test_the_png_is_the_whole_page_drawn_with_a_cjk_font(report):
    data = report.png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert width == PAGE_WIDTH
    # the whole page: its sections, 20 table rows and the charts, not the first screen only
    assert height > 1400
    assert len(data) > 50_000  # text and bars, not a blank page
    # the font the page names is installed and covers Chinese: no tofu boxes
    families = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert CJK_FONT in {name for line in families.splitlines() for name in line.split(",")}


def test_the_weekly_review_reads_the_weekly_tables():
    [daily, weekly] = periods_for(date(2026, 11, 29))  # a Sunday: posted on Monday
    assert weekly == Period("weekly", date(2026, 11, 23), date(2026, 11, 29))
    assert [p.grain for p in periods_for(DAY)] == ["daily", "monthly"]  # the month's last day
    assert periods_for(DAY)[1].start == date(2026, 11, 1)


def test_the_weekly_page_compares_with_the_week_before(tmp_path: Path):
    build_published(tmp_path / "p.duckdb")
    con = duckdb.connect(str(tmp_path / "p.duckdb"), read_only=True)
    html = render_html(report_data(con, Period("weekly", date(2026, 11, 23), date(2026, 11, 29))))
    con.close()
    assert report_cells(html, "headlines")[0] == ["播放量", "70,000", "56,000", "+25.0%"]
    assert "周报 · 2026-11-23 – 2026-11-29" in html


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_wecom_gets_the_markdown_then_the_png_itself(report, receiver):
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})] * 2
    assert (
        deliver(Webhook("wecom", f"{receiver.url}/cgi-bin/webhook/send?key=k"), report, None) == 2
    )
    [(_, text), (_, image)] = receiver.requests
    assert text["msgtype"] == "markdown"
    content = text["markdown"]["content"]
    assert content.startswith("### socialmart 每日数据快报 2026-11-30\n")
    assert "- 播放量 12,000 (+20.0% vs 2026-11-23)" in content
    assert "未达标: ROI (red)" in content
    assert "负面评论预警 2 条, 最早回复时限 2026-11-30 10:00" in content
    assert len(content.encode()) <= 4096
    png = report.png.read_bytes()
    assert image == {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }


def test_dingtalk_gets_signed_markdown_with_the_png_by_url(report, receiver):
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})]
    hook = Webhook("dingtalk", f"{receiver.url}/robot/send?access_token=t", secret="SEC1")
    assert deliver(hook, report, "https://reports.example.cn/r/") == 1
    [(path, body)] = receiver.requests
    assert "&timestamp=" in path and "&sign=" in path
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "socialmart 每日数据快报 2026-11-30"
    assert body["markdown"]["text"].endswith(
        "![socialmart 每日数据快报 2026-11-30](https://reports.example.cn/r/2026-11-30/report.png)"
    )


def test_feishu_gets_text_with_where_the_report_is(report, receiver):
    receiver.replies = [(200, {"code": 0, "msg": "success"})]
    assert deliver(Webhook("feishu", f"{receiver.url}/open-apis/bot/v2/hook/x"), report, None) == 1
    [(_, body)] = receiver.requests
    assert body["msg_type"] == "text" and set(body) == {"msg_type", "content"}
    text = body["content"]["text"]
    assert text.startswith("socialmart 每日数据快报 2026-11-30\n- 播放量 12,000")
    assert text.endswith(f"- 完整报告: {report.png}")


def test_the_asset_writes_the_day_and_the_month_and_a_refused_post_fails_only_itself(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
):
    import dagster as dg

    from orchestration.report_assets import reports
    from orchestration.resources import SocialmartSettings

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-zenhei)")
    (tmp_path / "serving").mkdir()
    served = tmp_path / "serving" / "socialmart.duckdb"
    build_published(served)
    before = served.read_bytes()
    monkeypatch.setenv("SOCIALMART_ALERT_WEBHOOK_URL", f"{receiver.url}/robot/send?access_token=t")
    monkeypatch.setenv("SOCIALMART_ALERT_WEBHOOK_KIND", "dingtalk")
    # the robot refuses the first message (DingTalk 310000: no security keyword in it)
    receiver.replies = [(200, {"errcode": 310000, "errmsg": "keywords not in content"})]
    result = dg.materialize(
        [reports],
        partition_key=DAY.isoformat(),
        resources={"settings": SocialmartSettings(home=str(tmp_path))},
        raise_on_error=False,
    )
    assert not result.success
    assert "310000" in str(result.get_step_failure_events()[0].event_specific_data.error)
    titles = [body["markdown"]["title"] for _, body in receiver.requests]
    assert titles == ["socialmart 每日数据快报 2026-11-30"]  # stopped at the refusal
    # both reports were written before posting
    folder = tmp_path / "reports" / "2026-11-30"
    assert (folder / "report.png").stat().st_size > 0
    assert (folder / "monthly" / "report.png").stat().st_size > 0
    assert served.read_bytes() == before  # the published mart is read, never written


def test_a_date_without_published_data_is_an_error_naming_the_file(tmp_path: Path):
    from serving.reports import ReportError

    build_published(tmp_path / "p.duckdb")
    with pytest.raises(ReportError, match=r"nothing published for 2026-12-01 .* to 2026-11-30"):
        write_report(
            tmp_path / "p.duckdb", tmp_path, Period("daily", date(2026, 12, 1), date(2026, 12, 1))
        )
    with pytest.raises(ReportError, match="no published mart at .*missing.duckdb"):
        write_report(tmp_path / "missing.duckdb", tmp_path, Period("daily", DAY, DAY))


def test_without_chromium_the_report_is_html_and_wecom_gets_its_path(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
):
    import serving.reports

    monkeypatch.setattr(serving.reports, "CHROMIUM", tmp_path / "no-chromium")
    build_published(tmp_path / "p.duckdb")
    files = write_report(tmp_path / "p.duckdb", tmp_path / "reports", Period("daily", DAY, DAY))
    assert files.png is None and not (files.html.parent / "report.png").exists()
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})]
    assert deliver(Webhook("wecom", f"{receiver.url}/send?key=k"), files, None) == 1
    [(_, body)] = receiver.requests
    assert body["markdown"]["content"].endswith(f"- 完整报告: {files.html}")
