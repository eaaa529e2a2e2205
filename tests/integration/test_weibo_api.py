"""Weibo against documented-shape payloads: created_at in Weibo's own form, comments only
for recent statuses and only down to the day, rate limits (string error_code) stopping the
run by account, the call budget."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import AuthError, QuotaExhaustedError
from ingestion.platforms import weibo
from ingestion.platforms.weibo import WeiboSource
from tests.integration.contract import FAST, doc, mock, raw_rows, run_day

DAY = date(2025, 1, 1)  # the fixtures' statuses and comments
MORNING_AFTER = "Wed, 01 Jan 2025 18:30:00 GMT"  # 02:30 on the 2nd in Beijing
ACCOUNT = Account("weibo", "1000000001", "官方微博", "主号")
ENV = {"SOCIALMART_WEIBO_TOKEN": "tok"}


def documented(request: httpx.Request):
    path, page = request.url.path, request.url.params.get("page", "1")
    if path == "/2/users/show.json":
        return doc("weibo/statuses_user_timeline_response.json")["statuses"][0]["user"]
    if path == "/2/statuses/user_timeline.json":
        body = doc("weibo/statuses_user_timeline_response.json")
        if page != "1":
            body["statuses"] = []
        return body
    if path == "/2/comments/show.json":
        return doc("weibo/comments_show_response.json")
    raise AssertionError(path)


def source_for(route, seen: list | None = None) -> WeiboSource:
    return WeiboSource(
        "http://weibo.test", ENV, policy=FAST, transport=mock(route, MORNING_AFTER, seen)
    )


def test_a_day_loads_exactly_the_documented_rows(tmp_path: Path):
    seen: list[httpx.Request] = []
    result = run_day(source_for(documented, seen), DAY, ACCOUNT, tmp_path)
    assert result.rows == {"user": 1, "statuses": 2, "comments": 4}  # 2 per recent status
    statuses = raw_rows(tmp_path, "weibo", "statuses", DAY)
    assert {s["created_at"] for s in statuses} == {
        "Wed Jan 01 10:00:00 +0800 2025",
        "Tue Dec 31 18:30:00 +0800 2024",
    }
    assert result.quarantined == {}


def test_comments_only_for_recent_statuses(tmp_path: Path):
    seen: list[httpx.Request] = []
    later = date(2025, 1, 12)  # both statuses are older than the comment window
    source = WeiboSource(
        "http://weibo.test",
        ENV,
        policy=FAST,
        transport=mock(documented, "Sun, 12 Jan 2025 18:30:00 GMT", seen),
    )
    list(source.fetch(later, [ACCOUNT]))
    assert not any(r.url.path == "/2/comments/show.json" for r in seen)


@pytest.mark.parametrize(
    "fixture", ["error_user_rate_limit", "error_ip_rate_limit", "error_user_api_rate_limit"]
)
def test_a_rate_limit_stops_the_run_naming_the_account(tmp_path: Path, fixture: str):
    run_day(source_for(documented), DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []
    limited = doc(f"weibo/{fixture}.json")

    def route(r: httpx.Request):
        return (403, limited) if r.url.path == "/2/comments/show.json" else documented(r)

    policy = FAST.__class__(requests_per_second=0, max_attempts=6, concurrency=1)
    source = WeiboSource(
        "http://weibo.test", ENV, policy=policy, transport=mock(route, MORNING_AFTER, calls)
    )
    code = limited["error_code"]
    with pytest.raises(QuotaExhaustedError, match=f"weibo account 1000000001: rate limit {code}"):
        run_day(source, DAY, ACCOUNT, tmp_path, "r2")
    assert sum(r.url.path == "/2/comments/show.json" for r in calls) == 1  # no retry loop
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4  # nothing loaded is lost


def test_an_expired_token_is_an_auth_error():
    source = source_for(lambda r: (400, doc("weibo/error_expired_token.json")))
    with pytest.raises(AuthError, match="21327"):
        list(source.fetch(DAY, [ACCOUNT]))


def test_the_call_budget_keeps_the_days_comments(tmp_path: Path, monkeypatch):
    run_day(source_for(documented), DAY, ACCOUNT, tmp_path, "r1")
    monkeypatch.setattr(weibo, "CALL_BUDGET_PER_USER", 3)  # user, timeline ×2: none left
    result = run_day(source_for(documented), DAY, ACCOUNT, tmp_path, "r2")
    assert "comments" not in result.rows and "call budget" in result.skipped_items[0]
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4
