"""Weibo against documented-shape payloads: created_at in Weibo's own form, comments only
for recent statuses, down to the day and after the last run's since_id, rate limits (string
error_code) deferring the account without a retry, the hour's calls counted across runs and
shared fairly by accounts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest

from ingestion.accounts import Account
from ingestion.platforms.weibo import COMMENTS_SHOW as COMMENTS
from ingestion.platforms.weibo import WeiboSource
from ingestion.runner import ingest_day
from ingestion.settings import Paths
from tests.integration.contract import FAST, doc, mock, raw_rows, refusal, run_day

DAY = date(2025, 1, 1)  # the fixtures' statuses and comments
MORNING_AFTER = "Wed, 01 Jan 2025 18:30:00 GMT"  # 02:30 on the 2nd in Beijing
ACCOUNT = Account("weibo", "1000000001", "官方微博", "主号")
ENV = {"SOCIALMART_WEIBO_TOKEN": "tok"}
HOUR = 1_735_779_600.0  # 2025-01-02 09:00 Beijing: each test's runs fall in clock hours from it


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch):
    """Sources built without a home keep their cursors and quota in the test's own."""
    monkeypatch.setitem(ENV, "SOCIALMART_HOME", str(tmp_path))


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
    hour: int = 0,
) -> WeiboSource:
    """A source whose hour ledger reads the clock ``hour`` hours after ``HOUR`` (+ 5 min)."""
    source = WeiboSource(
        "http://weibo.test",
        environ,
        policy=policy,
        transport=mock(route, served, seen),
        paths=Paths(home) if home else None,
    )
    source.ledger.clock = lambda: HOUR + hour * 3600 + 300
    return source


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
def test_a_rate_limit_defers_the_account_without_a_retry(tmp_path: Path, fixture: str):
    run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []
    limited = doc(f"weibo/{fixture}.json")

    def route(r: httpx.Request):
        return (403, limited) if r.url.path == "/2/comments/show.json" else documented(r)

    policy = FAST.__class__(requests_per_second=0, max_attempts=6, concurrency=1)
    source = source_for(route, calls, tmp_path, policy=policy, hour=1)
    result = run_day(source, DAY, ACCOUNT, tmp_path, "r2")
    code = limited["error_code"]
    whose = "the app's calls from this IP" if code == "10022" else "this user's calls"
    (reason,) = result.skipped_items
    assert reason.startswith(
        "weibo account 1000000001: deferred before the comments of 2 of 2 statuses: "
        f"rate limit {code} of {whose}"
    )
    assert f"error_code {code}: {limited['error']}; their comments of the day keep" in reason
    assert reason.endswith("resumes with the first run after 2025-01-02 11:00 Beijing time")
    assert sum(r.url.path == "/2/comments/show.json" for r in calls) == 1  # no retry loop
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4  # nothing loaded is lost
    # another run of the same hour does not ask again; the next hour's run resumes
    again: list[httpx.Request] = []
    later = run_day(source_for(documented, again, tmp_path, hour=1), DAY, ACCOUNT, tmp_path)
    assert again == [] and "deferred before its timeline" in later.skipped_items[0]
    resumed = run_day(source_for(documented, home=tmp_path, hour=2), DAY, ACCOUNT, tmp_path)
    assert resumed.rows == {"user": 1, "statuses": 2, "comments": 4}


def test_an_expired_token_is_an_auth_error():
    source = source_for(lambda r: (400, doc("weibo/error_expired_token.json")))
    assert "21327" in refusal(source, DAY, ACCOUNT)


def test_the_call_budget_keeps_the_days_comments(tmp_path: Path, monkeypatch):
    run_day(source_for(documented, home=tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    monkeypatch.setattr(WeiboSource, "calls_per_user_hour", 3)  # user, timeline ×2: none left
    result = run_day(source_for(documented, home=tmp_path, hour=1), DAY, ACCOUNT, tmp_path, "r2")
    assert result.rows["comments"] == 0
    assert result.skipped_items == [
        "weibo account 1000000001: deferred before the comments of 2 of 2 statuses: its "
        "share of this hour's calls is spent (3 per user, 1000 for the app per clock hour, "
        "counted across runs); their comments of the day keep what raw has; it resumes with "
        "the first run after 2025-01-02 11:00 Beijing time"
    ]
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4


def test_two_runs_of_one_hour_share_its_quota(tmp_path: Path, monkeypatch):
    """The schedule and a backfill in the same clock hour: the second gets what is left."""
    monkeypatch.setattr(WeiboSource, "calls_per_user_hour", 7)  # a full day takes 5
    first: list[httpx.Request] = []
    run_day(source_for(documented, first, tmp_path), DAY, ACCOUNT, tmp_path, "r1")
    assert len(first) == 5
    second: list[httpx.Request] = []
    result = run_day(source_for(documented, second, tmp_path), DAY, ACCOUNT, tmp_path, "r2")
    assert len(second) == 2  # users/show and the first timeline page: 7 in the hour
    assert "deferred before its timeline" in result.skipped_items[0]
    assert len(raw_rows(tmp_path, "weibo", "statuses", DAY)) == 2  # the first run's day stands
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 4
    third: list[httpx.Request] = []
    run_day(source_for(documented, third, tmp_path, hour=1), DAY, ACCOUNT, tmp_path, "r3")
    assert len(third) == 5 and not result.rows.get("comments")


ACCOUNTS = [Account("weibo", uid, f"号{uid}", "主号") for uid in ("101", "102", "103")]
TOKENS = {f"SOCIALMART_WEIBO_TOKEN_{a.account_id}": f"tok{a.account_id}" for a in ACCOUNTS}


def run_accounts(
    home: Path, run_id: str, budget: int, calls: list[httpx.Request], hour: int, route=documented
):
    source = source_for(route, calls, home, environ=TOKENS, hour=hour)
    source.calls_per_hour = budget
    paths = Paths(home)
    paths.landing.mkdir(parents=True, exist_ok=True)
    connect = lambda: duckdb.connect(str(home / "warehouse.duckdb"))  # noqa: E731
    return ingest_day(source, DAY, ACCOUNTS, paths, run_id, connect, TOKENS)


def test_three_accounts_share_the_hours_budget_and_resume_next_hour(tmp_path: Path):
    # one account's day: users/show, 2 timeline pages, comments/show for its 2 recent statuses
    full = run_accounts(tmp_path, "r1", 1000, [], hour=0)
    assert full.rows == {"user": 3, "statuses": 6, "comments": 12} and not full.skipped_items

    calls: list[httpx.Request] = []
    short = run_accounts(tmp_path, "r2", 12, calls, hour=1)  # 4 each, one short of a full day
    by_token = Counter(r.url.params["access_token"] for r in calls)
    assert by_token == {"tok101": 4, "tok102": 4, "tok103": 4}
    for account in ACCOUNTS:
        assert any(
            f"weibo account {account.account_id}: deferred" in reason
            and "1 of 2 statuses: its share of this hour's calls is spent" in reason
            for reason in short.skipped_items
        )
    # the statuses whose comments were not fetched keep the first run's rows
    assert len(raw_rows(tmp_path, "weibo", "comments", DAY)) == 12

    starved = run_accounts(tmp_path, "r3", 2, [], hour=2)  # 0, 1, 1: no timeline for any
    assert sum("before its timeline" in r for r in starved.skipped_items) == 3
    assert len(raw_rows(tmp_path, "weibo", "statuses", DAY)) == 6
    assert len(raw_rows(tmp_path, "weibo", "user", DAY)) == 3

    again = run_accounts(tmp_path, "r4", 1000, [], hour=3)  # the next hour's run resumes
    assert again.rows == full.rows and not again.skipped_items


@pytest.mark.parametrize(("code", "deferred"), [("10023", {"102"}), ("10022", {"102", "103"})])
def test_a_rate_limit_keeps_the_other_accounts_rows(tmp_path: Path, code: str, deferred: set):
    """10023 (one user's limit) defers that account; 10022 (the app's IP) the rest of the
    run; the accounts fetched before keep their rows of the same run."""
    limited = {**doc("weibo/error_user_rate_limit.json"), "error_code": code}

    def route(r: httpx.Request):
        return (403, limited) if r.url.params["access_token"] == "tok102" else documented(r)

    calls: list[httpx.Request] = []
    result = run_accounts(tmp_path, "r1", 1000, calls, hour=0, route=route)
    loaded = {s["account_id"] for s in raw_rows(tmp_path, "weibo", "statuses", DAY)}
    assert loaded == {"101", "102", "103"} - deferred
    assert result.rows == {
        "user": 3 - len(deferred),
        "statuses": 6 - 2 * len(deferred),
        "comments": 12 - 4 * len(deferred),
    }
    assert Counter(r.url.params["access_token"] for r in calls)["tok102"] == 1  # no retry
    for uid in sorted(deferred):
        assert any(
            f"weibo account {uid}: deferred before its timeline: rate limit {code}" in r
            for r in result.skipped_items
        )


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
