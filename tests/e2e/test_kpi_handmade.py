"""Every KPI, status and alert of a small hand-made dataset, computed here by hand.

Two Xiaohongshu accounts over eight days, as the exports staff would drop them: X1's video
note has 1,000 views a day with 100 interactions, then 1,500 views with 90 on the last day;
X2's image note has 500 views and 50 interactions every day. On the last day X1 also runs
a paid campaign (30 paid followers, 100 元) and a live session (2 orders, 300 元), and a
Douyin comment says 假货; the Douyin shop sells four orders that no content or live session of
ours sold (naming another platform's note, a room that is not a Douyin one, nothing, or placed
in an app none of ours): each is counted once, unattributed. The pipeline (ingestion of the
exports → dbt → gates → publish → robot) runs once over the range; every number below is
worked out from those facts.

The alert rules get a hand-made KPI layer of their own (below): swings just under and over
each floor, partial baselines, names, ties; built twice from the same facts in another
physical order, kpi_alerts must come out identical.
"""

from __future__ import annotations

import csv
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from devtools.simulator.exports import ADS_HEADERS, LIVE_HEADERS
from ingestion.erasure import ensure_tables
from ingestion.raw import load_day
from ingestion.runner import raw_tables
from ingestion.settings import Paths
from orchestration.alert_assets import alert_notifications
from orchestration.dbt_assets import socialmart_dbt
from orchestration.ingestion_assets import account_registry, erasure_requests, platform_assets
from orchestration.publish_assets import published_mart
from orchestration.runs import run_pipeline
from tests.dbt_forked import DbtProcess
from tests.helpers import Receiver, dbt_warehouse, finish_dbt, report_cells, start_dbt

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(8)]
LAST = DAYS[-1]
# XHS note and account rows as one-sheet tables naming their day, account and note (read
# beside the real 数据明细表 and 近30日 workbooks: ingestion/platforms/xiaohongshu.py)
NOTE_HEADERS = ("日期", "账号ID", "笔记ID", "笔记标题", "首次发布时间", "体裁", "曝光", "观看量")
NOTE_HEADERS += ("点赞", "评论", "收藏", "分享", "涨粉", "人均观看时长(秒)", "完播率")
ACCOUNT_HEADERS = ("日期", "账号ID", "粉丝总数", "新增粉丝", "取消关注")


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


def shop_order(order_id: str, fen: int, b_type: int, video: str = "", room: str = "") -> dict:
    """A paid order as 抖店's /order/searchList gives it (the buyer's phone already hashed)."""
    return {
        "shop_id": "S1",
        "order_id": order_id,
        "doudian_open_id": f"buyer-{order_id}",
        "pay_amount": fen,
        "pay_time": 1_794_110_400,  # 2026-11-08 12:00 Asia/Shanghai
        "b_type": b_type,  # 下单端: 2 抖音, 3 头条
        "sku_order_list": [{"video_id": video, "room_id": room}],
    }


# The shop's orders of the last day, none of which any content or live session we have sold:
# placed in the Douyin app but naming X1's Xiaohongshu note n1 (another platform's content,
# 248.77) or its Xiaohongshu live room R1 (not a Douyin room, 120.00), naming nothing
# (59.90), and placed in 今日头条, an app none of ours (0.33). Each is unattributed, once.
SHOP_ORDERS = [
    shop_order("s1", 24_877, 2, video="n1"),
    shop_order("s2", 12_000, 2, room="R1"),
    shop_order("s3", 5_990, 2),
    shop_order("s4", 33, 3, video="t1"),
]
UNATTRIBUTED_YUAN = Decimal("248.77") + Decimal("120.00") + Decimal("59.90") + Decimal("0.33")


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
    for key, entity in raw_tables():
        load_day(con, key, [entity], DAYS[0], {}, "setup")
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
    load_day(con, "shop", ["orders"], LAST, {"orders": [("handmade", o) for o in SHOP_ORDERS]}, "x")
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
            # dbt's unit tests check SQL on fixed inputs: the simulated week's build runs them
            "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test",
        }
    )
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})] * 2  # two alert groups
    exports = {"xiaohongshu", "ads", "live"}
    selection = [
        key
        for asset in [
            *(a for a in platform_assets if a.node_def.name.removeprefix("ingest_") in exports),
            account_registry,
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
            # the live session's 300 (attributed) and the four shop orders no content or
            # live session of ours sold, each once
            "gmv_yuan": 300,
            "unattributed_orders": 4,
            "unattributed_gmv_yuan": UNATTRIBUTED_YUAN,
            "total_gmv_yuan": 300 + UNATTRIBUTED_YUAN,
            "monetisation_share": 0.0,
            "platforms_for_70pct_traffic": 1,
            "top3_traffic_share": 1.0,  # 2,000 of 2,000 views on Xiaohongshu
            "data_coverage": 1.0,
            # ROI on all revenue (the spec's revenue / spend) and on attributed revenue
            "roi": float(300 + UNATTRIBUTED_YUAN) / 100,
            "roi_label": "1:7.3",
            "attributed_roi": 300 / 100,
        },
    )
    assert Decimal("429.00") == UNATTRIBUTED_YUAN  # 248.77 + 120.00 + 59.90 + 0.33
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
    assert status["matrix/roi"] == "green"  # all revenue: 729 / 100 = 7.29 ≥ 6
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
    # X1's views 1,000 → 1,500 (+50%) and the matrix's and Xiaohongshu's 1,500 → 2,000
    # (+33%) move well beyond 5%, but by 500 views: under the floors of the seed
    # alert_rules (10,000 views for the matrix and an account, 5,000 for a platform), so
    # no swing. X1's engagement drop rests on 1,000 views a day, the seed's least.
    assert alerts == [
        ("engagement_drop", "xiaohongshu:X1", "engagement_rate", pytest.approx(-0.4), None,
         "warning"),
        ("negative_comment", "douyin:v9", "negative_comment", None, None, "critical"),
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
    messages = dict(con.execute("select alert_type, message from kpi.kpi_alerts").fetchall())
    # the Douyin account and content are not in the dimensions: their keys stand in
    comment = (
        '[crisis] douyin:brand douyin:v9 comment "买到假货了，要投诉" (keyword 假货): '
        "危机公关小组介入, reply by 2026-11-08 12:30 (Beijing time)"
    )
    assert messages["negative_comment"] == comment
    drop = "品牌主号 (小红书) engagement rate 6.00% is 40.0% below its 7-day baseline 10.00%"
    assert messages["engagement_drop"] == drop
    # one robot message per alert type and scope, the group with the crisis first
    assert [path for path, _ in receiver.requests] == ["/cgi-bin/webhook/send?key=k"] * 2
    assert [body["markdown"]["content"] for _, body in receiver.requests] == [
        f"### socialmart {LAST} · negative comments (content): 1 critical\n- {comment}",
        f"### socialmart {LAST} · engagement drops (account): 1 warning\n- {drop}",
    ]


def test_the_report_of_the_last_day_shows_the_published_headlines(published):
    from serving.reports import Period, periods_for, render_html, report_data

    con, _ = published
    # 11-08 is a Sunday: the day's report and the week's review
    daily, weekly = periods_for(LAST)
    assert weekly == Period("weekly", date(2026, 11, 2), LAST)
    headlines = report_cells(render_html(report_data(con, daily)), "headlines")
    # 11-08: 1,500 + 500 views, 90 + 50 interactions; 11-01 (a week before): 1,000 + 500
    # views, 100 + 50 interactions; GMV 300 of 2 live orders and 429 unattributed, on
    # 100 元 of spend
    assert headlines[:3] == [
        ["播放量", "2,000", "1,500", "+33.3%"],
        ["互动量", "140", "150", "-6.7%"],
        ["互动率", "7.00%", "10.00%", "-30.0%"],
    ]
    assert headlines[4][:2] == ["订单数", "2"] and headlines[5][:2] == ["总GMV (元)", "729.00"]
    assert headlines[6][:2] == ["ROI", "7.29"]
    # every number as the published table has it
    published_row = row(con, f"select * from kpi.kpi_matrix_daily where business_date = '{LAST}'")
    assert headlines[3][1] == f"{published_row['net_new_followers']:,}"
    # the week 11-02…11-08 (6 × 1,500 + 2,000) against 10-26…11-01 (11-01 only: 1,500)
    week = report_cells(render_html(report_data(con, weekly)), "headlines")
    assert week[0] == ["播放量", "11,000", "1,500", "+633.3%"]
    comments = report_cells(render_html(report_data(con, daily)), "comments")
    assert [c[:2] for c in comments] == [["2026-11-08 12:30", "critical"]]


def test_demo_summary_reads_published_rates_and_names(published, capsys):
    from devtools.demo import print_summary

    con, _ = published
    [(path,)] = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    print_summary(Path(path), DAYS[0], LAST)
    out = capsys.readouterr().out
    # Xiaohongshu on 11-08: 140 interactions / 2,000 views = 0.07 as kpi_platform_daily
    # publishes it, not the accounts' mean rate (0.06 + 0.10) / 2 = 0.08; views over the
    # range 7 × 1,500 + 2,000 = 12,500; GMV in yuan and fen (a decimal)
    assert table_row(out, "小红书") == [
        "小红书", "2", "2000", "0.07", "130", "15700", "300.00", "12500"
    ]  # fmt: skip
    assert table_row(out, "品牌主号")[:4] == ["品牌主号", "小红书", "1500", "0.06"]
    # alerts per type and scope (critical, warning, info), then each group's first
    assert table_row(out, "engagement_drop") == ["engagement_drop", "account", "0", "1", "0"]
    assert table_row(out, "negative_comment") == ["negative_comment", "content", "1", "0", "0"]
    top = table_row(out, "engagement_drop:account")
    assert top[:3] == ["engagement_drop:account", "1", "warning"]
    assert top[3].startswith("品牌主号 (小红书) engagement rate 6.00%")


def table_row(out: str, first: str) -> list[str]:
    """The cells of the printed table row whose first cell is `first`."""
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines()]
    [row] = [r for r in rows if r and r[0] == first]
    return row


# --- kpi_alerts on a hand-made KPI layer -------------------------------------------------
# The KPI tables kpi_alerts reads, written by hand, and only kpi_alerts built on them (with
# its data tests). Rules (the seed alert_rules' columns, hand-made here so the test does not
# move when the lead retunes the seed): views swings of 5% and at least 100 views; accounts
# also need a baseline of 500 views a day; 4 baseline days at least.
#
#   account  views 11-01…11-07 → 11-08   contents
#   A1 测评号   1000 → 1300 (+300, +30%)   c1 「新品发布 第1期」 600 → 900, c2 400 → 400
#   A2 官方号   1000 → 1300 (+300, +30%)   c3 (no title) 1000 → 1300; c8 「老粉福利」 +90
#   A3 知识号   1000 → 1090 (+90 < 100: no alert)
#   A4 小号      200 →  400 (+200, but a baseline of 200 < 500: no alert)
#   douyin      3200 → 4090 (+890, +27.8%): A1 +300 and A2 +300 tie, key order; then A4 +200
#   kuaishou     500 from 11-04 → 600 on 11-08: 4 baseline days, +20.0%, partial
#   bilibili     500 from 11-05 → 1000 on 11-08: 3 baseline days, no alert
#   matrix      3200 (11-01…03), 3700 (11-04), 4200 (11-05…07) → 5690: baseline 25900 / 7 =
#               3700, +1990 = +53.8%: douyin +890, bilibili +500, kuaishou +100. On 11-04
#               (+500 on 3 days) nothing; 11-05 4200 vs (3 × 3200 + 3700) / 4 = 3325: +26.3%
#               on 4 days; 11-06 vs 3500: +20.0% on 5; 11-07 vs 21700 / 6: +16.1% on 6.
# A comment on c1 saying 假货 at 09:00 is a crisis due at 09:30.
# A content's own baseline is the mean of its known views of the 7 days before, like an
# account's (contents need not add up to their account here): A2 also holds c6, new on
# 11-08 (no baseline: not named), c7, 200 on 11-05…07 then 150 (against the swing: not
# named), and c8, 160 on 11-08 against the mean of 40 on 11-01 and 100 on 11-06 (unknown
# on 11-03 and 11-07; its 1000 on 10-31 is 8 days before): +90.
ALERT_RULES = [
    ("swing", "matrix", "views", "both", 0.05, 100.0, 0.0, 4, "info", "test"),
    ("swing", "platform", "views", "both", 0.05, 100.0, 0.0, 4, "info", "test"),
    ("swing", "account", "views", "both", 0.05, 100.0, 500.0, 4, "info", "test"),
]
ACCOUNT_VIEWS = {"A1": (1000, 1300), "A2": (1000, 1300), "A3": (1000, 1090), "A4": (200, 400)}
CONTENT_VIEWS = {
    "c1": ("A1", "新品发布 第1期", 600, 900),
    "c2": ("A1", "使用教程", 400, 400),
    "c3": ("A2", None, 1000, 1300),
    "c4": ("A3", "品牌故事", 1000, 1090),
    "c5": ("A4", "会员福利", 200, 400),
}
SPARSE_CONTENT_VIEWS = {  # content → (account, title, {day: views})
    "c6": ("A2", "直播预告", {LAST: 100}),
    "c7": ("A2", "门店探访", {DAYS[4]: 200, DAYS[5]: 200, DAYS[6]: 200, LAST: 150}),
    "c8": (
        "A2",
        "老粉福利",
        {DAYS[0] - timedelta(days=1): 1000, DAYS[0]: 40, DAYS[2]: None, DAYS[5]: 100,
         DAYS[6]: None, LAST: 160},
    ),
}  # fmt: skip
ACCOUNT_NAMES = {"A1": "测评号", "A2": "官方号", "A3": "知识号", "A4": "小号"}


def alert_layer() -> dict[str, tuple[str, list[tuple]]]:
    """table → (column definitions, rows) of what kpi_alerts reads."""

    def views(before: int, after: int, day: date) -> int:
        return after if day == LAST else before

    matrix_views = {d: 3200 for d in DAYS[:3]} | {DAYS[3]: 3700}
    matrix_views |= {d: 4200 for d in DAYS[4:7]} | {LAST: 5690}
    platform_views = [
        ("douyin", d, sum(views(*v, d) for v in ACCOUNT_VIEWS.values())) for d in DAYS
    ]
    platform_views += [("kuaishou", d, views(500, 600, d)) for d in DAYS[3:]]
    platform_views += [("bilibili", d, views(500, 1000, d)) for d in DAYS[4:]]
    comment_at = "2026-11-08 09:00:00+08"
    no_comments: list[tuple] = []
    comments = "platform varchar, account_id varchar, content_id varchar, comment_id varchar, "
    comments += "user_id varchar, comment_text varchar, commented_at timestamptz, "
    comments += "business_date date"
    return {
        "reference.alert_rules": (
            "alert_type varchar, scope varchar, kpi varchar, direction varchar, "
            "min_change_rate double, min_abs_change double, min_baseline_volume double, "
            "min_baseline_days integer, severity varchar, why varchar",
            ALERT_RULES,
        ),
        "reference.negative_keywords": (
            "keyword varchar, alert_level integer, level_name varchar, action varchar",
            [("假货", 3, "crisis", "危机公关")],
        ),
        "mart.dim_platform": (
            "platform varchar, platform_name varchar",
            [("douyin", "抖音"), ("kuaishou", "快手"), ("bilibili", "哔哩哔哩")],
        ),
        "mart.dim_account": (
            "account_key varchar, platform varchar, account_id varchar, account_name varchar",
            [(f"douyin:{a}", "douyin", a, name) for a, name in ACCOUNT_NAMES.items()],
        ),
        "mart.dim_content": (
            "content_key varchar, account_key varchar, title varchar",
            [
                (f"douyin:{c}", f"douyin:{a}", title)
                for c, (a, title, *_) in (CONTENT_VIEWS | SPARSE_CONTENT_VIEWS).items()
            ],
        ),
        "mart.fct_content_daily": (
            "content_key varchar, account_key varchar, business_date date, views bigint",
            [
                (f"douyin:{c}", f"douyin:{a}", d, views(before, after, d))
                for c, (a, _, before, after) in CONTENT_VIEWS.items()
                for d in DAYS
            ]
            + [
                (f"douyin:{c}", f"douyin:{a}", d, v)
                for c, (a, _, by_day) in SPARSE_CONTENT_VIEWS.items()
                for d, v in by_day.items()
            ],
        ),
        "kpi.kpi_account_daily": (
            "account_key varchar, platform varchar, business_date date, views bigint, "
            "gross_new_followers bigint, gmv_yuan double, interactions bigint, "
            "engagement_rate double",
            [
                (f"douyin:{a}", "douyin", d, views(*v, d), None, None, None, None)
                for a, v in ACCOUNT_VIEWS.items()
                for d in DAYS
            ],
        ),
        "kpi.kpi_platform_daily": (
            "platform varchar, business_date date, views bigint, gross_new_followers bigint, "
            "gmv_yuan double",
            [(p, d, v, None, None) for p, d, v in platform_views],
        ),
        "kpi.kpi_matrix_daily": (
            "business_date date, views bigint, gross_new_followers bigint, total_gmv_yuan double",
            [(d, v, None, None) for d, v in matrix_views.items()],
        ),
        "kpi.kpi_status": (
            "kpi varchar, scope varchar, scope_key varchar, business_date date, status varchar, "
            "value double, target_value double, comparator varchar",
            [],
        ),
        "staging.stg_douyin__comments": (
            comments,
            [("douyin", "A1", "c1", "k1", "u1", "是不是假货", comment_at, LAST)],
        ),
        "staging.stg_weibo__comments": (comments, no_comments),
        "staging.stg_wechat_oa__comments": (comments, no_comments),
    }


def start_alert_build(root: Path, reverse: bool) -> DbtProcess:
    """A warehouse holding the hand-made layer (every table's rows reversed on demand: the
    same data in another physical order, as parallel scans give it), and the dbt process
    building kpi_alerts on it."""
    con = duckdb.connect(str(dbt_warehouse(root)))
    for table, (columns, rows) in alert_layer().items():
        con.execute(f"create schema if not exists {table.split('.')[0]}")
        con.execute(f"create table {table} ({columns})")
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            con.executemany(
                f"insert into {table} values ({marks})", rows[::-1] if reverse else rows
            )
    con.close()
    return start_dbt(
        "build",
        root,
        "--select",
        "int_comments kpi_alerts",  # the comments union as a view over the layer's
        "--exclude",
        "test_type:unit",
    )


def alert_rows(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # every column but when the row was written
        return con.execute(
            "select * exclude (updated_at) from kpi.kpi_alerts order by alert_id"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def alert_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("alerts")
    # both builds at once: each dbt on a core of its own
    roots = [root / "a", root / "b"]
    builds = [start_alert_build(roots[0], False), start_alert_build(roots[1], True)]
    for process, at in zip(builds, roots, strict=True):
        finish_dbt(process, at)
    return dbt_warehouse(roots[0]), dbt_warehouse(roots[1])


def test_alert_rules_names_and_partial_baselines(alert_builds):
    warehouse, _ = alert_builds
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        alerts = con.execute(
            "select business_date, group_key, group_rank, scope_key, scope_name, baseline_days, "
            "message from kpi.kpi_alerts order by business_date, group_key, group_rank"
        ).fetchall()
        rates = con.execute(
            "select scope_key, change_rate, contributors from kpi.kpi_alerts "
            f"where alert_type = 'swing' and business_date = '{LAST}' order by scope_key"
        ).fetchall()
    finally:
        con.close()
    d = DAYS
    assert alerts == [
        (d[4], "swing:matrix", 1, "matrix", "matrix", 4,
         "matrix views +26.3% vs 4-day baseline (partial): 4,200 vs 3,325"),
        (d[5], "swing:matrix", 1, "matrix", "matrix", 5,
         "matrix views +20.0% vs 5-day baseline (partial): 4,200 vs 3,500"),
        (d[6], "swing:matrix", 1, "matrix", "matrix", 6,
         "matrix views +16.1% vs 6-day baseline (partial): 4,200 vs 3,617"),
        (LAST, "negative_comment:content", 1, "douyin:c1", "「新品发布 第1期」", None,
         "[crisis] 测评号 (抖音) 「新品发布 第1期」 comment \"是不是假货\" "
         "(keyword 假货): 危机公关, reply by 2026-11-08 09:30 (Beijing time)"),
        # A1 and A2 both +30%: key order. A3 (+90) and A4 (baseline 200) are not alerted.
        (LAST, "swing:account", 1, "douyin:A1", "测评号 (抖音)", 7,
         "测评号 (抖音) views +30.0% vs 7-day baseline: 1,300 vs 1,000; "
         "most of it: 「新品发布 第1期」 +300"),
        (LAST, "swing:account", 2, "douyin:A2", "官方号 (抖音)", 7,
         "官方号 (抖音) views +30.0% vs 7-day baseline: 1,300 vs 1,000; "
         "most of it: douyin:c3 +300, 「老粉福利」 +90"),
        (LAST, "swing:matrix", 1, "matrix", "matrix", 7,
         "matrix views +53.8% vs 7-day baseline: 5,690 vs 3,700; "
         "most of it: 抖音 +890, 哔哩哔哩 +500, 快手 +100"),
        # bilibili (+100% on 3 baseline days) is not alerted
        (LAST, "swing:platform", 1, "douyin", "抖音", 7,
         "抖音 views +27.8% vs 7-day baseline: 4,090 vs 3,200; "
         "most of it: 测评号 (抖音) +300, 官方号 (抖音) +300, 小号 (抖音) +200"),
        (LAST, "swing:platform", 2, "kuaishou", "快手", 4,
         "快手 views +20.0% vs 4-day baseline (partial): 600 vs 500"),
    ]  # fmt: skip
    douyin = "测评号 (抖音) +300, 官方号 (抖音) +300, 小号 (抖音) +200"
    assert rates == [
        ("douyin", pytest.approx(890 / 3200), douyin),
        ("douyin:A1", pytest.approx(0.3), "「新品发布 第1期」 +300"),
        ("douyin:A2", pytest.approx(0.3), "douyin:c3 +300, 「老粉福利」 +90"),
        ("kuaishou", pytest.approx(0.2), None),
        ("matrix", pytest.approx(1990 / 3700), "抖音 +890, 哔哩哔哩 +500, 快手 +100"),
    ]  # fmt: skip


def test_alerts_rebuilt_from_the_same_facts_are_identical(alert_builds):
    # the second build read every table's rows in reverse order
    first, second = (alert_rows(w) for w in alert_builds)
    assert len(first) == 9
    assert first == second


def test_the_daily_run_rebuilds_a_day_of_alerts_as_a_full_build_does(alert_builds, tmp_path):
    # the daily run of LAST: it reads the facts of the days before from the window's
    # lookback (contents: the 7 days of their baseline) and replaces the day's stale rows
    full = alert_rows(alert_builds[0])
    daily = dbt_warehouse(tmp_path)
    daily.write_bytes(alert_builds[0].read_bytes())
    con = duckdb.connect(str(daily))
    con.execute(f"update kpi.kpi_alerts set message = 'stale' where business_date = '{LAST}'")
    con.close()
    run = start_dbt("run", tmp_path, "--select", "kpi_alerts", window=(LAST, LAST))
    finish_dbt(run, tmp_path)
    assert alert_rows(daily) == full
    assert sum(row[3] == LAST for row in full) == 6  # what the day's run rebuilt
