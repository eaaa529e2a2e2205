"""Every KPI, status and alert of a small hand-made dataset, computed here by hand.

Two Xiaohongshu accounts over eight days, as the exports staff would drop them: X1's video
note has 1,000 views a day with 100 interactions, then 1,500 views with 90 on the last day;
X2's image note has 500 views and 50 interactions every day. On the last day X1 also runs
a paid campaign (30 paid followers, 100 元) and a live session (2 orders, 300 元), and a
Douyin comment says 假货. The pipeline (ingestion of the exports → dbt → gates → publish →
robot) runs once over the range; every number below is worked out from those facts.
"""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from devtools.simulator.exports import ADS_HEADERS, LIVE_HEADERS, TABLES
from ingestion.erasure import ensure_tables
from ingestion.platforms import PLATFORMS
from ingestion.raw import load_day
from ingestion.runner import entity_tables
from ingestion.settings import Paths
from orchestration.alert_assets import alert_notifications
from orchestration.dbt_assets import socialmart_dbt
from orchestration.ingestion_assets import erasure_requests, platform_assets
from orchestration.publish_assets import published_mart
from orchestration.runs import run_pipeline
from tests.helpers import Receiver

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(8)]
LAST = DAYS[-1]
NOTE_HEADERS = TABLES["xiaohongshu"][0][1]
ACCOUNT_HEADERS = TABLES["xiaohongshu"][1][1]


def note_rows() -> list[list[object]]:
    rows = []
    for day in DAYS:
        last = day == LAST
        # X1's video note: views, likes, comments, saves, shares
        v, lk, cm, sv, sh = (1500, 60, 10, 10, 10) if last else (1000, 60, 10, 20, 10)
        rows.append(
            [day, "X1", "n1", "新品发布 第1期", "2026-10-31 20:00:00", "视频", 5000, v, lk, cm,
             sv, sh, 5, 30.0, "40%"]
        )  # fmt: skip
        rows.append(
            [day, "X2", "n2", "使用教程 第1期", "2026-10-31 21:00:00", "图文", 2500, 500, 30, 5,
             10, 5, 1, 0, "-"]
        )  # fmt: skip
    return rows


def account_rows() -> list[list[object]]:
    return [
        row
        for i, day in enumerate(DAYS)
        for row in ([day, "X1", 10_000 + 100 * i, 120, 20], [day, "X2", 5_000, 10, 10])
    ]


def write_csv(path: Path, headers: tuple[str, ...], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("handmade")
    paths = Paths(home)
    paths.accounts.write_text(
        "platform,account_id,account_name,role\n"
        "xiaohongshu,X1,品牌主号,主号\nxiaohongshu,X2,品牌测评号,辅助号\n"
        "ads,ads,广告投放报表,\nlive,live,直播报表,\n",
        encoding="utf-8",
    )
    inbox = paths.inbox
    write_csv(inbox / "xiaohongshu" / "笔记数据.csv", NOTE_HEADERS, note_rows())
    write_csv(inbox / "xiaohongshu" / "账号数据.csv", ACCOUNT_HEADERS, account_rows())
    write_csv(
        inbox / "ads" / "投放报表.csv",
        ADS_HEADERS,
        [[LAST, "小红书", "X1", "C1", "X1-拉新计划", "100.00", 20_000, 400, 30]],
    )
    write_csv(
        inbox / "live" / "直播场次.csv",
        LIVE_HEADERS,
        [[LAST, "小红书", "X1", "R1", f"{LAST} 19:00:00", f"{LAST} 21:00:00", 800, 90, 12, 2,
          "300.00"]],
    )  # fmt: skip
    # The API platforms have no account here: their raw tables exist and stay empty, except
    # one Douyin comment (a record as the comment API gives it).
    con = duckdb.connect(str(paths.warehouse))
    for key, info in PLATFORMS.items():
        load_day(con, key, entity_tables(key, info.entities), DAYS[0], {}, "setup")
    comment = {
        "open_id": "brand",
        "item_id": "v9",
        "comment_id": "c1",
        "comment_user_id": "_000fan",
        "content": "买到假货了，要投诉",
        "digg_count": 0,
        "create_time": 1_794_110_400,  # 2026-11-08 12:00 Asia/Shanghai
    }
    load_day(con, "douyin", ["comments"], LAST, {"comments": [("handmade", comment)]}, "setup")
    ensure_tables(con)
    con.close()

    receiver = Receiver()
    saved = os.environ.copy()
    os.environ.update(
        {
            "SOCIALMART_HOME": str(home),
            "SOCIALMART_HASH_KEY": "handmade-test-key-0123456789",
            "SOCIALMART_ALERT_WEBHOOK_URL": f"{receiver.url}/cgi-bin/webhook/send?key=k",
            "SOCIALMART_ALERT_WEBHOOK_KIND": "wecom",
        }
    )
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})]
    exports = {"xiaohongshu", "ads", "live"}
    selection = [
        key
        for asset in [
            *(a for a in platform_assets if a.node_def.name.removeprefix("ingest_") in exports),
            erasure_requests,
            socialmart_dbt,
            published_mart,
            alert_notifications,
        ]
        for key in asset.keys
    ]
    try:
        result = run_pipeline(
            dg.DagsterInstance.ephemeral(), DAYS[0], LAST, asset_selection=selection
        )
        assert result.success
        con = duckdb.connect(str(paths.serving_db), read_only=True)
        yield con, receiver
        con.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        receiver.server.shutdown()


def row(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    values = cursor.fetchall()
    assert len(values) == 1, f"{sql}: {len(values)} rows"
    return dict(zip(names, values[0], strict=True))


def close(actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        got = actual[name]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), name
        else:
            assert got == value, name


def test_account_kpis(published):
    con, _ = published
    x1 = row(
        con,
        f"select * from kpi.kpi_account_daily where account_id = 'X1' and business_date = '{LAST}'",
    )
    close(
        x1,
        {
            "posts": 0,
            "impressions": 5000,
            "views": 1500,
            "interactions": 60 + 10 + 10 + 10,
            "engagement_rate": 90 / 1500,
            "fan_engagement_rate": 90 / 10_700,
            "share_rate": 10 / 1500,
            "ctr": 1500 / 5000,
            "completion_rate": round(1500 * 0.4) / 1500,
            "followers_total": 10_700,
            "follower_growth_rate_1d": 100 / 10_600,
            "follower_growth_rate_7d": 700 / 10_000,
            "follower_growth_rate_30d": None,
            "unfollow_rate": 20 / 10_600,
            "gross_new_followers": 120,
            "paid_new_followers": 30,
            "organic_follower_share": 90 / 120,
            "orders": 2,
            "gmv_yuan": 300,
            "aov_yuan": 150.0,
            "ad_spend_yuan": 100,
            "roi": 3.0,
            "roi_label": "1:3.0",
        },
    )
    x2 = row(
        con,
        f"select * from kpi.kpi_account_daily where account_id = 'X2' and business_date = '{LAST}'",
    )
    close(x2, {"views": 500, "engagement_rate": 50 / 500, "completion_rate": None, "roi": None})


def test_platform_and_matrix_rollups(published):
    con, _ = published
    platform = row(con, f"select * from kpi.kpi_platform_daily where business_date = '{LAST}'")
    close(
        platform,
        {
            "accounts": 2,
            "views": 2000,
            "interactions": 140,
            "engagement_rate": 140 / 2000,
            "ctr": 2000 / 7500,
            "followers_total": 15_700,
            "follower_growth_rate": 100 / 15_600,
            "organic_follower_share": (90 + 10) / 130,
        },
    )
    matrix = row(con, f"select * from kpi.kpi_matrix_daily where business_date = '{LAST}'")
    close(
        matrix,
        {
            "views": 2000,
            "engagement_rate": 0.07,
            "total_gmv_yuan": 300,
            "monetisation_share": 0.0,
            "platforms_for_70pct_traffic": 1,
            "data_coverage": 1.0,
            "roi": 3.0,
        },
    )
    week = row(con, "select * from kpi.kpi_matrix_weekly where period_start = '2026-11-02'")
    # Monday 11-02 … Sunday 11-08: 6 × 1,500 + 2,000 views; 6 × 150 + 140 interactions
    close(week, {"days_in_period": 7, "views": 11_000, "engagement_rate": 1040 / 11_000})
    funnel = row(
        con,
        f"select * from kpi.kpi_funnel_daily where platform = 'all' and business_date = '{LAST}'",
    )
    close(
        funnel,
        {
            "exposures": 7500,
            "views": 2000,
            "interactions": 140,
            "follows": 130,
            "private_domain_adds": 0,
            "orders": 2,
            "largest_drop_off_step": "follow→private_domain",
        },
    )


def test_status_against_targets(published):
    con, _ = published
    status = dict(
        con.execute(
            "select scope_key || '/' || kpi, status from kpi.kpi_status "
            f"where business_date = '{LAST}'"
        ).fetchall()
    )
    assert status["xiaohongshu:X1/engagement_rate"] == "red"  # 0.06 < 0.08 × 0.8
    assert status["xiaohongshu:X2/engagement_rate"] == "green"  # 0.10 ≥ 0.08
    assert status["xiaohongshu:X1/completion_rate"] == "red"  # 0.40 < 0.50 × 0.9
    assert status["xiaohongshu:X2/completion_rate"] == "no_data"  # image notes only
    assert status["xiaohongshu:X1/follower_growth_rate_30d"] == "no_data"
    assert status["matrix/roi"] == "red"  # 3 < 6 × 0.8
    assert status["matrix/data_coverage"] == "green"
    assert status["matrix/monetisation_share"] == "green"  # 0 ≤ 0.30
    assert status["matrix/platforms_for_70pct_traffic"] == "red"  # 1 < 3 × 0.66
    assert status["xiaohongshu/organic_follower_share"] == "green"  # 0.77 ≥ 0.35


def test_alerts_and_their_delivery(published):
    con, receiver = published
    alerts = con.execute(
        f"select alert_type, scope_key, kpi, change_rate, contributors, severity "
        f"from kpi.kpi_alerts where business_date = '{LAST}' order by all"
    ).fetchall()
    third = pytest.approx(2000 / 1500 - 1)
    assert alerts == [
        ("engagement_drop", "xiaohongshu:X1", "engagement_rate", pytest.approx(-0.4), None,
         "warning"),
        ("negative_comment", "douyin:v9", "negative_comment", None, None, "critical"),
        ("swing", "matrix", "views", third, "xiaohongshu +500", "info"),
        ("swing", "xiaohongshu", "views", third, "xiaohongshu:X1 +500", "info"),
        ("swing", "xiaohongshu:X1", "views", pytest.approx(0.5), "xiaohongshu:n1 +500", "info"),
    ]  # fmt: skip
    # nothing before the last day moved: no alert on the first seven days
    assert con.execute(
        f"select count(*) from kpi.kpi_alerts where business_date < '{LAST}'"
    ).fetchall() == [(0,)]
    respond_by = con.execute(
        "select strftime(respond_by at time zone 'Asia/Shanghai', '%H:%M') from kpi.kpi_alerts "
        "where alert_type = 'negative_comment'"
    ).fetchall()
    assert respond_by == [("12:30",)]
    message = con.execute(
        "select message from kpi.kpi_alerts where alert_type = 'negative_comment'"
    ).fetchall()[0][0]
    assert message.endswith("reply by 2026-11-08 12:30 (Beijing time)")
    [(path, body)] = receiver.requests
    text = body["markdown"]["content"]
    assert path.startswith("/cgi-bin/webhook/send?key=k")
    assert text.startswith(f"### socialmart {LAST}: 1 critical, 1 warning, 3 info")
    assert text.index("[critical]") < text.index("[warning]") < text.index("[info]")
