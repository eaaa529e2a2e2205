"""Platform sources on hand-written fixtures in each platform's real response shape."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import DayUnavailableError, ExportFileError
from ingestion.exports import read_export
from ingestion.http import HttpPolicy
from ingestion.platforms import xiaohongshu
from ingestion.platforms.bilibili import BilibiliSource
from ingestion.platforms.douyin import DouyinSource
from ingestion.platforms.export_files import ExportSource
from tests.helpers import FIXTURES, fixture_json

DAY = date(2026, 11, 20)
FAST = HttpPolicy(requests_per_second=0, max_attempts=1, concurrency=1)
BILI_ENV = {
    "SOCIALMART_BILIBILI_TOKEN": "t",
    "SOCIALMART_BILIBILI_CLIENT_ID": "id",
    "SOCIALMART_BILIBILI_CLIENT_SECRET": "secret",
}


def douyin_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    # /data/external/item/{play,like,comment,share}/: dated rows (douyin_shop_kuaishou.md A.5)
    series = {
        "play": (10, "2.5万"),
        "like": (1, "812"),
        "comment": (0, 40),
        "share": (0, 9),
    }

    def item_series(metric: str) -> dict:
        before, on_day = series[metric]
        rows = [{"date": "2026-11-19", metric: before}, {"date": "2026-11-20", metric: on_day}]
        return {"data": {"error_code": 0, "description": "", "result_list": rows}, "extra": {}}

    item_base = {  # A.4: one undated 30-day total
        "data": {"error_code": 0, "description": "", "result": {"avg_play_duration": 11.2}},
        "extra": {"logid": "x", "now": 1763661600000},
    }
    last_page = {
        "data": {"error_code": 0, "description": "", "cursor": 0, "has_more": False, "list": []},
        "extra": {},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/data/external/user/fans/":
            return httpx.Response(200, json=fixture_json("douyin/fans_data.json"))
        if request.url.path == "/item/comment/list/":
            # newest first; the second page reaches the day before, so paging stops there
            first = request.url.params["cursor"] == "0"
            rows = (
                [
                    {
                        "comment_id": "c2",
                        "comment_user_id": "fan-2",
                        "content": "求链接",
                        "create_time": 1795161600,
                        "digg_count": 3,
                    }
                ]
                if first
                else [
                    {
                        "comment_id": "c1",
                        "comment_user_id": "fan-1",
                        "content": "早",
                        "create_time": 1795075200,
                        "digg_count": 0,
                    }
                ]
            )
            return httpx.Response(
                200,
                json={
                    "data": {
                        "error_code": 0,
                        "description": "",
                        "list": rows,
                        "cursor": 1,
                        "has_more": True,
                    },
                    "extra": {},
                },
            )
        if request.url.path == "/api/douyin/v1/video/video_list/":
            first = request.url.params["cursor"] == "0"
            return httpx.Response(
                200, json=fixture_json("douyin/video_list_page1.json") if first else last_page
            )
        if request.url.path == "/data/external/item/base/":
            return httpx.Response(200, json=item_base)
        metric = request.url.path.split("/")[-2]
        return httpx.Response(200, json=item_series(metric))

    return httpx.MockTransport(handler)


def test_douyin_pages_to_the_end_and_extracts_the_day():
    seen: list[httpx.Request] = []
    source = DouyinSource(
        "http://douyin.test",
        {"SOCIALMART_DOUYIN_TOKEN": "t0k"},
        policy=FAST,
        transport=douyin_transport(seen),
    )
    account = Account("douyin", "open-1", "官方号", "主号")
    pages = [p.to_json() for p in source.fetch(DAY, [account])]
    assert [p["entity"] for p in pages] == [
        "fans_daily",
        "videos",
        "videos",
        "video_daily",
        "comments",
        "comments",
    ]
    comments = [c for p in pages[4:] for c in source.extract(p, DAY)]
    assert [(c["comment_id"], c["comment_user_id"]) for c in comments] == [("c2", "fan-2")]
    assert seen[2].url.params["cursor"] == "1763600000000"  # cursor handed back as given
    assert all(r.headers["access-token"] == "t0k" for r in seen)
    assert all("t0k" not in str(p) for p in pages)  # tokens never reach landing
    fans = source.extract(pages[0], DAY)
    assert fans == [
        {"open_id": "open-1", "date": "2026-11-20", "new_fans": "1.2万", "total_fans": "5.3w"}
    ]
    videos = source.extract(pages[1], DAY)
    assert videos[0]["brand_new_field"] == {"kept": True}  # unknown fields are kept
    daily = source.extract(pages[3], DAY)
    assert len(daily) == 1 and daily[0]["play"] == "2.5万" and daily[0]["share"] == 9
    assert daily[0]["base"] == {"avg_play_duration": 11.2}
    assert daily[0]["item_id"] == videos[0]["item_id"]


def test_douyin_day_outside_its_window_is_unavailable():
    source = DouyinSource(
        "http://douyin.test",
        {"SOCIALMART_DOUYIN_TOKEN": "t"},
        policy=FAST,
        transport=douyin_transport([]),
    )
    with pytest.raises(DayUnavailableError, match="2026-10-01"):
        list(source.fetch(date(2026, 10, 1), [Account("douyin", "o", "n", "主号")]))


def test_douyin_missing_token_names_both_variables():
    source = DouyinSource("http://douyin.test", {}, policy=FAST, transport=douyin_transport([]))
    with pytest.raises(Exception, match="SOCIALMART_DOUYIN_TOKEN_ACC_9 or SOCIALMART_DOUYIN_TOKEN"):
        list(source.fetch(DAY, [Account("douyin", "acc-9", "n", "主号")]))


def bilibili_transport(date_header: str, login_ok: bool = True) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Date": date_header}
        if not login_ok:
            return httpx.Response(
                200, json=fixture_json("bilibili/not_logged_in.json"), headers=headers
            )
        path = request.url.path
        if path.endswith("/user/stat"):
            body = fixture_json("bilibili/user_stat.json")
        elif path.endswith("/viewlist"):
            body = fixture_json("bilibili/viewlist_page1.json")
            if request.url.params["pn"] == "2":
                body["data"]["list"] = body["data"]["list"][:1]
                body["data"]["list"][0]["resource_id"] = "BV1zz411c7mF"
        elif path.endswith("/arc/stat"):
            body = fixture_json("bilibili/arc_stat.json")
        else:
            body = {"code": 0, "message": "0", "ttl": 1, "data": {"inc_click": 900, "inc_like": 40}}
        return httpx.Response(200, json=body, headers=headers)

    return httpx.MockTransport(handler)


def test_bilibili_snapshot_of_yesterday_pages_by_pn_ps():
    # 2026-11-20T18:00Z is 02:00 on the 21st in Shanghai: the snapshot closes the 20th.
    transport = bilibili_transport("Fri, 20 Nov 2026 18:00:00 GMT")
    source = BilibiliSource("http://bili.test", BILI_ENV, policy=FAST, transport=transport)
    pages = [p.to_json() for p in source.fetch(DAY, [Account("bilibili", "9", "n", "主号")])]
    entities = [p["entity"] for p in pages]
    assert entities.count("archives") == 2  # total 3 with ps 2 → two pages
    assert entities.count("arc_stat") == 3  # one per distinct archive
    arc = source.extract(next(p for p in pages if p["entity"] == "arc_stat"), DAY)[0]
    assert arc["view"] == "1.5万" and arc["account_id"] == "9" and arc["resource_id"]
    archives = source.extract(next(p for p in pages if p["entity"] == "archives"), DAY)
    assert archives[0]["video_info"]["duration"] == 634


def test_bilibili_refuses_a_day_it_cannot_serve():
    transport = bilibili_transport("Sun, 22 Nov 2026 18:00:00 GMT")
    source = BilibiliSource("http://bili.test", BILI_ENV, policy=FAST, transport=transport)
    with pytest.raises(DayUnavailableError, match="snapshots of 2026-11-22"):
        list(source.fetch(DAY, [Account("bilibili", "9", "n", "主号")]))


def test_bilibili_not_logged_in_leaves_the_account_out():
    source = BilibiliSource(
        "http://bili.test",
        BILI_ENV,
        policy=FAST,
        transport=bilibili_transport("Fri, 20 Nov 2026 18:00:00 GMT", False),
    )
    assert list(source.fetch(DAY, [Account("bilibili", "9", "n", "主号")])) == []
    assert "bilibili account 9: refused" in source.refused[0] and "-101" in source.refused[0]


@pytest.mark.parametrize("name", ["note_export.csv", "note_export_bom.csv", "note_export_gbk.csv"])
def test_exports_read_in_every_encoding(name: str):
    rows = read_export(FIXTURES / "xiaohongshu" / name)
    assert [r["笔记ID"] for r in rows] == ["n1", "n2"]
    assert rows[0]["笔记标题"] == "冬季穿搭｜通勤也要好看"
    assert rows[0]["观看量"] == "1.2万" and rows[1]["完播率"] == "-"


def test_xiaohongshu_source_picks_the_days_rows_and_names_unknown_accounts(tmp_path: Path):
    folder = tmp_path / "inbox" / "xiaohongshu"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "xiaohongshu" / "note_export_gbk.csv", folder / "笔记数据.csv")
    source = ExportSource("xiaohongshu", xiaohongshu.KINDS, tmp_path / "inbox")
    pages = [p.to_json() for p in source.fetch(DAY, [Account("xiaohongshu", "x1", "n", "主号")])]
    assert [p["entity"] for p in pages] == ["note_daily"]
    rows = source.extract(pages[0], DAY)
    # typed once here, so dbt reads 12000 and 0.325 (the file says "1.2万" and "32.5%")
    assert rows[0]["观看量"] == 12_000 and rows[0]["完播率"] == pytest.approx(0.325)
    assert rows[1]["完播率"] is None
    assert [source.row_problems(pages[0], i, r) for i, r in enumerate(rows)] == [[], []]
    assert (
        list(source.fetch(DAY + timedelta(days=1), [Account("xiaohongshu", "x1", "n", "")])) == []
    )

    # rows of an account the registry does not hold are not dropped: they are quarantined
    (page,) = [p.to_json() for p in source.fetch(DAY, [Account("xiaohongshu", "other", "n", "")])]
    assert source.row_problems(page, 1, source.extract(page, DAY)[1]) == [
        "笔记数据.csv row 3: 账号ID 'x1' is not in accounts.csv"
    ]


def test_unreadable_export_names_the_file(tmp_path: Path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ExportFileError, match="broken.xlsx"):
        read_export(bad)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("日期,账号ID\n2026-11-20,x1,extra\n", encoding="utf-8")
    with pytest.raises(ExportFileError, match="ragged.csv row 2"):
        read_export(ragged)
