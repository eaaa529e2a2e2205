"""Kuaishou against documented-shape payloads: ``video_list``, paging by the oldest
photo_id as ``cursor``, result != 1 as an error with error_msg, 100100402 stopping the run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from ingestion.accounts import Account
from ingestion.platforms.kuaishou import KuaishouSource
from tests.integration.contract import FAST, doc, mock, raw_rows, refusal, run_day

DAY = date(2026, 11, 20)
MORNING_AFTER = "Fri, 20 Nov 2026 18:30:00 GMT"
ACCOUNT = Account("kuaishou", "3x_open_id", "官方", "主号")
ENV = {"SOCIALMART_KUAISHOU_TOKEN": "tok", "SOCIALMART_KUAISHOU_APP_ID": "ks_app"}


def documented(request: httpx.Request):
    if request.url.path == "/openapi/user_info":
        return doc("kuaishou/user_info.json")
    if request.url.path == "/openapi/photo/list":
        body = doc("kuaishou/photo_list.json")
        if "cursor" in request.url.params:
            body["video_list"] = []
        return body
    raise AssertionError(request.url.path)


def source_for(route, seen: list | None = None, policy=FAST) -> KuaishouSource:
    return KuaishouSource(
        "http://ks.test", ENV, policy=policy, transport=mock(route, MORNING_AFTER, seen)
    )


def test_a_day_loads_exactly_the_documented_rows(tmp_path: Path):
    seen: list[httpx.Request] = []
    result = run_day(source_for(documented, seen), DAY, ACCOUNT, tmp_path)
    assert result.rows == {"user_info": 1, "photos": 2}
    lists = [r.url.params for r in seen if r.url.path == "/openapi/photo/list"]
    assert "cursor" not in lists[0]
    assert lists[1]["cursor"] == "3xabc123def456g"  # the oldest photo of the first page
    assert all(p["app_id"] == "ks_app" and p["access_token"] == "tok" for p in lists)
    (info,) = raw_rows(tmp_path, "kuaishou", "user_info", DAY)
    assert info["fan"] == 120345


def test_an_expired_token_is_an_auth_error_with_its_message():
    source = source_for(lambda r: doc("kuaishou/error_token_expired.json"))
    assert "100200108" in refusal(source, DAY, ACCOUNT)


def test_the_request_limit_stops_the_run_and_keeps_the_loaded_day(tmp_path: Path):
    run_day(source_for(documented), DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []

    def route(r: httpx.Request):
        if r.url.path == "/openapi/photo/list":
            return doc("kuaishou/error_request_limit.json")
        return documented(r)

    policy = FAST.__class__(requests_per_second=0, max_attempts=6, concurrency=1)
    (reason,) = run_day(
        source_for(route, calls, policy), DAY, ACCOUNT, tmp_path, "r2"
    ).skipped_items
    assert reason.startswith("kuaishou account 3x_open_id: 100100402"), reason
    assert sum(r.url.path == "/openapi/photo/list" for r in calls) == 1
    assert len(raw_rows(tmp_path, "kuaishou", "photos", DAY)) == 2
