"""Weibo against documented-shape payloads: created_at in Weibo's own form, comments only
for recent statuses, down to the day and after the last run's since_id, rate limits (string
error_code) stopping the run by account, the run's call budget shared fairly by accounts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import AuthError, QuotaExhaustedError
from ingestion.platforms import weibo
from ingestion.platforms.weibo import COMMENTS_SHOW as COMMENTS
from ingestion.platforms.weibo import WeiboSource
from ingestion.runner import ingest_day
from ingestion.settings import Paths
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


def source_for(
    route,
    seen: list | None = None,
    home: Path | None = None,
    served: str = MORNING_AFTER,
    environ: dict[str, str] = ENV,
    policy=FAST,
) -> WeiboSource:
    return WeiboSource(
        "http://weibo.test",
        environ,
        policy=policy,
        transport=mock(route, served, seen),
        paths=Paths(home) if home else None,
    )


def test_a_day_loads_exactly_the_documented_rows(tmp_path: Path):
    seen: list[httpx.Request] = []
    result = run_day(source_for(documented, seen, tmp_path), DAY, ACCOUNT, tmp_path)
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
    run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []
    limited = doc(f"weibo/{fixture}.json")

    def route(r: httpx.Request):
        return (403, limited) if r.url.path == "/2/comments/show.json" else documented(r)

    policy = FAST.__class__(requests_per_second=0, max_attempts=6, concurrency=1)
    source = source_for(route, calls, tmp_path, policy=policy)
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
    run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    monkeypatch.setattr(weibo, "CALL_BUDGET_PER_USER", 3)  # user, timeline ×2: none left
    result = run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r2")
    assert result.rows["comments"] == 0
    assert "weibo account 1000000001" in result.skipped_items[0]
    assert "spent before the comments of 2 of 2 statuses" in result.skipped_items[0]
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4


ACCOUNTS = [Account("weibo", uid, f"号{uid}", "主号") for uid in ("101", "102", "103")]
TOKENS = {f"SOCIALMART_WEIBO_TOKEN_{a.account_id}": f"tok{a.account_id}" for a in ACCOUNTS}


def run_accounts(home: Path, run_id: str, budget: int, calls: list[httpx.Request]):
    source = source_for(documented, calls, home, environ=TOKENS)
    source.run_budget = budget
    paths = Paths(home)
    paths.landing.mkdir(parents=True, exist_ok=True)
    connect = lambda: duckdb.connect(str(home / "warehouse.duckdb"))  # noqa: E731
    return ingest_day(source, DAY, ACCOUNTS, paths, run_id, connect, TOKENS)


def test_three_accounts_share_the_runs_budget_and_resume_next_run(tmp_path: Path):
    # one account's day: users/show, 2 timeline pages, comments/show for its 2 recent statuses
    full = run_accounts(tmp_path, "r1", 1000, [])
    assert full.rows == {"user": 3, "statuses": 6, "comments": 12} and not full.skipped_items

    calls: list[httpx.Request] = []
    short = run_accounts(tmp_path, "r2", 12, calls)  # 4 calls each, one short of a full day
    by_token = Counter(r.url.params["access_token"] for r in calls)
    assert by_token == {"tok101": 4, "tok102": 4, "tok103": 4}
    for account in ACCOUNTS:
        assert any(
            f"weibo account {account.account_id}: its share" in reason
            and "1 of 2 statuses" in reason
            for reason in short.skipped_items
        )
    # the statuses whose comments were not fetched keep the first run's rows
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 12

    starved = run_accounts(tmp_path, "r3", 2, [])  # 0, 1, 1: no account gets its timeline
    assert sum("before its timeline" in r for r in starved.skipped_items) == 3
    assert len(raw_rows(tmp_path, "weibo", "statuses", DAY)) == 6
    assert len(raw_rows(tmp_path, "weibo", "user", DAY)) == 3

    again = run_accounts(tmp_path, "r4", 1000, [])  # the next run resumes
    assert again.rows == full.rows and not again.skipped_items


def test_comments_are_fetched_after_the_previous_days_since_id(tmp_path: Path):
    newest = max(int(c["idstr"]) for c in doc("weibo/comments_show_response.json")["comments"])
    run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    next_day: list[httpx.Request] = []
    later = source_for(documented, next_day, tmp_path, "Thu, 02 Jan 2025 18:30:00 GMT")
    run_day(later, date(2025, 1, 2), ACCOUNT, tmp_path, "r2")
    asked = [r.url.params.get("since_id") for r in next_day if r.url.path == COMMENTS]
    assert asked and set(asked) == {str(newest)}
    # a rerun of the first day starts from the days before it: no since_id
    rerun: list[httpx.Request] = []
    run_day(source_for(documented, rerun, tmp_path), DAY, ACCOUNT, tmp_path, "r3")
    assert [r.url.params.get("since_id") for r in rerun if r.url.path == COMMENTS] == [None] * 2
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4
