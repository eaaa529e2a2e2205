"""Douyin against documented-shape payloads (tests/fixtures/douyin/README.md): the dated
item series loaded as one row per video per day, codes read from ``data`` and ``extra``,
quota exhaustion stopping the run, a missing capability or a video's comment error skipped
with its reason, and a day not ready yet keeping what raw has."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import DayNotReadyError, PlatformError, ServerError
from ingestion.http import HttpPolicy
from ingestion.platforms.douyin import DouyinSource
from tests.integration.contract import FAST, doc, mock, raw_rows, run_day

# The fixtures' days: series 2024-05-01..03, the video created 2024-05-02 19:40 Beijing
# time, its comment written 2024-05-02 22:26.
DAY = date(2024, 5, 2)
SERVED_AT = "Sat, 04 May 2024 02:00:00 GMT"
ACCOUNT = Account("douyin", "b9b71865-7fea-44cc-0000-000000000000", "官方号", "主号")
ENV = {"SOCIALMART_DOUYIN_TOKEN": "act.tok"}
SERIES = {f"/data/external/item/{m}/": f"douyin/item_{m}.json" for m in ("play", "like")}
SERIES |= {f"/data/external/item/{m}/": f"douyin/item_{m}.json" for m in ("comment", "share")}


@pytest.fixture(autouse=True)
def own_home(tmp_path: Path, monkeypatch):
    """Sources built without a home keep their cursors and quota in the test's own."""
    monkeypatch.setitem(ENV, "SOCIALMART_HOME", str(tmp_path))


def last_page(fixture: str) -> dict[str, Any]:
    body = doc(fixture)
    body["data"].update({"list": [], "has_more": False, "cursor": 0})
    return body


def documented(request: httpx.Request, overrides: dict[str, Any] | None = None) -> Any:
    path, params = request.url.path, request.url.params
    if overrides and path in overrides:
        answer = overrides[path]
        return copy.deepcopy(answer(request) if callable(answer) else answer)
    if path == "/data/external/user/fans/":
        return doc("douyin/user_fans.json")
    if path == "/api/douyin/v1/video/video_list/":
        first = params["cursor"] == "0"
        return doc("douyin/video_list.json") if first else last_page("douyin/video_list.json")
    if path == "/data/external/item/base/":
        return doc("douyin/item_base.json")
    if path in SERIES:
        return doc(SERIES[path])
    if path == "/item/comment/list/":
        first = params["cursor"] == "0"
        fixture = "douyin/item_comment_list.json"
        return doc(fixture) if first else last_page(fixture)
    raise AssertionError(path)


def source_for(overrides=None, seen: list | None = None, policy=FAST) -> DouyinSource:
    route = mock(lambda r: documented(r, overrides), SERVED_AT, seen)
    return DouyinSource("http://douyin.test", ENV, policy=policy, transport=route)


def test_a_day_loads_exactly_the_documented_rows(tmp_path: Path):
    seen: list[httpx.Request] = []
    result = run_day(source_for(seen=seen), DAY, ACCOUNT, tmp_path)
    assert result.rows == {"fans_daily": 1, "videos": 1, "video_daily": 1, "comments": 1}
    (daily,) = raw_rows(tmp_path, "douyin", "video_daily", DAY)
    # the 2024-05-02 row of each series (item_play/like/comment/share.json)
    assert (daily["play"], daily["like"], daily["comment"], daily["share"]) == (7300, 190, 15, 7)
    assert daily["base"]["avg_play_duration"] == 12.6  # the 30-day snapshot rides along
    (fans,) = raw_rows(tmp_path, "douyin", "fans_daily", DAY)
    assert (fans["new_fans"], fans["total_fans"]) == (8, 10020)
    series = [r for r in seen if r.url.path.startswith("/data/external/item/")]
    base = [r for r in series if r.url.path.endswith("/base/")]
    assert len(series) == 5 and len(base) == 1
    assert sorted(base[0].url.params) == ["item_id", "open_id"]  # A.4: no date_type
    assert {r.url.params["date_type"] for r in series if r not in base} == {"7"}
    assert all(r.headers["access-token"] == "act.tok" for r in seen)


def test_codes_only_in_extra_are_read(tmp_path: Path):
    overrides = {"/item/comment/list/": doc("douyin/item_comment_list_extra_only.json")}
    overrides["/item/comment/list/"]["data"]["has_more"] = False
    result = run_day(source_for(overrides), DAY, ACCOUNT, tmp_path)
    assert result.rows["comments"] == 1


def test_a_comment_error_in_extra_skips_that_video_and_keeps_the_rest(tmp_path: Path):
    overrides = {"/item/comment/list/": doc("douyin/item_comment_list_extra_error.json")}
    result = run_day(source_for(overrides), DAY, ACCOUNT, tmp_path)
    assert result.rows == {"fans_daily": 1, "videos": 1, "video_daily": 1, "comments": 0}
    (reason,) = result.skipped_items
    assert "comments of video @8hxdh" in reason and "2111002" in reason


def test_a_sub_error_code_is_not_success():
    overrides = {"/data/external/item/play/": doc("douyin/item_play_sub_error.json")}
    with pytest.raises(ServerError, match="extra.sub_error_code 28001005"):
        list(source_for(overrides).fetch(DAY, [ACCOUNT]))


@pytest.mark.parametrize(
    "fixture", ["data_error_quota_exhausted.json", "data_error_quota_exhausted_new.json"]
)
def test_quota_exhausted_stops_without_retrying_and_keeps_the_loaded_day(
    tmp_path: Path, fixture: str
):
    run_day(source_for(), DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []
    overrides = {"/data/external/item/like/": doc(f"douyin/{fixture}")}
    retrying = HttpPolicy(requests_per_second=0, max_attempts=4, concurrency=1)
    source = source_for(overrides, calls, retrying)
    result = run_day(source, DAY, ACCOUNT, tmp_path, "r2")
    (reason,) = result.skipped_items
    assert reason.startswith(f"douyin account {ACCOUNT.account_id}: quota exhausted")
    assert "douyin stops for this run and the next run resumes" in reason
    assert sum(r.url.path == "/data/external/item/like/" for r in calls) == 1
    for entity in ("fans_daily", "videos", "video_daily", "comments"):
        assert [r["_run"] for r in raw_runs(tmp_path, entity)] == ["r1"], entity


OTHER = Account("douyin", "0d7a3c59-1e2f-4a55-0000-000000000000", "分号", "矩阵号")


def raw_runs(home: Path, entity: str) -> list[dict[str, Any]]:
    """The day's raw rows of ``entity``: each row's account and the run that loaded it."""
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        rows = con.execute(
            f"select record ->> 'open_id', _run_id from raw.douyin__{entity} "
            "where business_date = ? order by all",
            [DAY],
        ).fetchall()
    finally:
        con.close()
    return [{"open_id": account, "_run": run} for account, run in rows]


def refusing(account: Account, path: str, fixture: str) -> dict[str, Any]:
    """Overrides answering ``fixture`` to ``account``'s calls of ``path`` only."""

    def answer(request: httpx.Request) -> Any:
        asked = request.url.params.get("open_id")
        if asked == account.account_id:
            return doc(f"douyin/{fixture}")
        return documented(request)

    return {path: answer}


def test_a_refused_token_leaves_that_account_out_and_loads_the_others(tmp_path: Path):
    both = [ACCOUNT, OTHER]
    run_day(source_for(), DAY, both, tmp_path, "r1")
    expired = refusing(OTHER, "/data/external/user/fans/", "data_error_token_expired.json")
    result = run_day(source_for(expired), DAY, both, tmp_path, "r2")
    (refused,) = result.refused
    assert refused.startswith(f"douyin account {OTHER.account_id}: refused even with a renewed")
    assert "28001008" in refused and "authorise" in refused
    assert result.rows == {"fans_daily": 1, "videos": 1, "video_daily": 1, "comments": 1}
    for entity in ("fans_daily", "videos", "video_daily", "comments"):
        rows = raw_runs(tmp_path, entity)  # the refused account keeps its day from r1
        expected = sorted([(ACCOUNT.account_id, "r2"), (OTHER.account_id, "r1")])
        assert sorted((r["open_id"], r["_run"]) for r in rows) == expected, entity


def test_quota_on_a_later_account_keeps_the_ones_fetched_before(tmp_path: Path):
    both = [ACCOUNT, OTHER]
    run_day(source_for(), DAY, both, tmp_path, "r1")
    quota = refusing(OTHER, "/data/external/user/fans/", "data_error_quota_exhausted.json")
    result = run_day(source_for(quota), DAY, both, tmp_path, "r2")
    assert result.refused == []
    (reason,) = result.skipped_items
    assert f"1 account(s) keep what raw has: {OTHER.account_id}" in reason
    rows = raw_runs(tmp_path, "fans_daily")
    assert sorted((r["open_id"], r["_run"]) for r in rows) == sorted(
        [(ACCOUNT.account_id, "r2"), (OTHER.account_id, "r1")]
    )


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("data_error_no_capability.json", "the app lacks this capability (2190004)"),
        ("data_error_scope_not_authorised.json", "not authorised this API's scope (2190003)"),
    ],
)
def test_a_missing_capability_skips_that_entity_with_its_reason(
    tmp_path: Path, fixture: str, reason: str
):
    overrides = {"/data/external/item/play/": doc(f"douyin/{fixture}")}
    result = run_day(source_for(overrides), DAY, ACCOUNT, tmp_path)
    assert result.rows == {"fans_daily": 1, "videos": 1, "video_daily": 0, "comments": 1}
    (skipped,) = result.skipped_items
    assert skipped.startswith(f"douyin account {ACCOUNT.account_id}: video_daily skipped")
    assert reason in skipped


def test_a_day_not_ready_keeps_what_raw_has(tmp_path: Path):
    run_day(source_for(), DAY, ACCOUNT, tmp_path, "r1")

    def before_the_day(request: httpx.Request) -> Any:
        body = doc(SERIES[request.url.path])
        rows = body["data"]["result_list"]
        body["data"]["result_list"] = [r for r in rows if r["date"] < DAY.isoformat()]
        return body

    overrides = dict.fromkeys(SERIES, before_the_day)
    result = run_day(source_for(overrides), DAY, ACCOUNT, tmp_path, "r2")
    assert "video_daily" not in result.rows and result.rows["fans_daily"] == 1
    assert "not ready" in result.skipped_items[0]
    (kept,) = raw_rows(tmp_path, "douyin", "video_daily", DAY)
    assert kept["play"] == 7300


def test_a_day_past_the_seven_day_series_asks_for_fifteen(tmp_path: Path):
    def by_date_type(request: httpx.Request) -> Any:
        body = doc(SERIES[request.url.path])
        if request.url.params["date_type"] == "7":  # the 7 days ending after the day
            body["data"]["result_list"] = [{"date": "2024-05-09", "play": 1}]
        return body

    seen: list[httpx.Request] = []
    overrides = {"/data/external/item/play/": by_date_type}
    result = run_day(source_for(overrides, seen), DAY, ACCOUNT, tmp_path)
    assert result.rows["video_daily"] == 1
    asked = [r.url.params["date_type"] for r in seen if r.url.path.endswith("/play/")]
    assert asked == ["7", "15"]
    (daily,) = raw_rows(tmp_path, "douyin", "video_daily", DAY)
    assert daily["play"] == 7300


def test_videos_older_than_thirty_days_are_not_queried(tmp_path: Path):
    old = doc("douyin/video_list.json")
    old["data"]["list"][0]["create_time"] = 1714650000 - 31 * 86400
    old["data"]["has_more"] = False
    seen: list[httpx.Request] = []
    result = run_day(
        source_for({"/api/douyin/v1/video/video_list/": old}, seen), DAY, ACCOUNT, tmp_path
    )
    assert result.rows["videos"] == 1 and result.rows["video_daily"] == 0
    assert not [r for r in seen if r.url.path.startswith("/data/external/item/")]


def test_string_codes_and_numbers_are_read(tmp_path: Path):
    overrides = {"/data/external/user/fans/": doc("douyin/user_fans_string_numbers.json")}
    result = run_day(source_for(overrides), date(2024, 5, 1), ACCOUNT, tmp_path)
    assert result.rows["fans_daily"] == 1  # error_code "0" is success
    with pytest.raises(DayNotReadyError, match="2024-05-02 is not ready"):
        list(source_for(overrides).fetch(DAY, [ACCOUNT]))  # served up to 05-01 only


def test_an_expired_token_is_refused_after_renewal_is_tried():
    expired = {"/data/external/user/fans/": doc("douyin/data_error_token_expired.json")}
    source = source_for(expired)
    assert list(source.fetch(DAY, [ACCOUNT])) == []
    (refused,) = source.refused
    assert "28001008" in refused and ACCOUNT.account_id in refused


def test_an_offline_api_skips_the_video_list_with_its_reason():
    offline = {"/api/douyin/v1/video/video_list/": doc("douyin/data_error_api_offline.json")}
    source = source_for(offline)
    pages = list(source.fetch(DAY, [ACCOUNT]))
    assert [p.entity for p in pages] == ["fans_daily"]
    assert "this API is offline (28001056)" in source.skip_reasons[0]
    with pytest.raises(PlatformError):  # any other code is the platform's error
        bad = {"/data/external/user/fans/": doc("douyin/data_error_rate_limited.json")}
        list(source_for(bad).fetch(DAY, [ACCOUNT]))


def test_a_code_in_extra_counts_even_without_data():
    quota = doc("douyin/data_error_quota_exhausted.json")
    del quota["data"]
    source = source_for({"/data/external/user/fans/": quota})
    assert list(source.fetch(DAY, [ACCOUNT])) == []
    assert "extra.error_code 2190001" in source.skip_reasons[0]


NEXT_DAY = date(2024, 5, 3)
COMMENTS = "/item/comment/list/"


def with_comment_count(count: int) -> dict[str, Any]:
    """The video list as served when the video's comment count is ``count``."""
    body = doc("douyin/video_list.json")
    body["data"]["list"][0]["statistics"]["comment_count"] = count
    body["data"]["has_more"] = False
    return {"/api/douyin/v1/video/video_list/": body}


def test_the_next_day_asks_only_a_video_whose_comment_count_moved(tmp_path: Path):
    first: list[httpx.Request] = []
    run_day(source_for(with_comment_count(35), first), DAY, ACCOUNT, tmp_path, "r1")
    assert sum(r.url.path == COMMENTS for r in first) == 2  # the fixture's page, then the last

    unchanged: list[httpx.Request] = []
    quiet = run_day(source_for(with_comment_count(35), unchanged), NEXT_DAY, ACCOUNT, tmp_path)
    assert not any(r.url.path == COMMENTS for r in unchanged)
    assert quiet.rows["comments"] == 0 and not quiet.skipped_items

    moved: list[httpx.Request] = []
    busy = source_for(with_comment_count(36), moved)
    run_day(busy, NEXT_DAY, ACCOUNT, tmp_path, "r3")
    assert sum(r.url.path == COMMENTS for r in moved) == 1  # its newest is of the day before
    # the first day's rows stay, and a rerun of it decides from the days before it
    assert len(raw_rows(tmp_path, "douyin", "comments", DAY)) == 1
    rerun: list[httpx.Request] = []
    run_day(source_for(with_comment_count(35), rerun), DAY, ACCOUNT, tmp_path, "r4")
    assert sum(r.url.path == COMMENTS for r in rerun) == 2


def test_a_comment_seen_after_midnight_is_asked_again_the_next_day(tmp_path: Path):
    """A run that fetched a comment of the following day (written before it ran) leaves a
    cursor that makes the next day's run ask, though the count has not moved."""
    late = doc("douyin/item_comment_list.json")
    late["data"]["list"][0]["create_time"] = 1714700000  # 2024-05-03 09:33 Beijing
    overrides = {**with_comment_count(35), COMMENTS: late}
    overrides[COMMENTS]["data"]["has_more"] = False
    run_day(source_for(overrides), DAY, ACCOUNT, tmp_path, "r1")
    assert raw_rows(tmp_path, "douyin", "comments", DAY) == []
    next_day: list[httpx.Request] = []
    result = run_day(source_for(overrides, next_day), NEXT_DAY, ACCOUNT, tmp_path, "r2")
    assert sum(r.url.path == COMMENTS for r in next_day) == 1 and result.rows["comments"] == 1


def test_a_comment_error_keeps_that_videos_loaded_comments(tmp_path: Path):
    run_day(source_for(with_comment_count(35)), DAY, ACCOUNT, tmp_path, "r1")
    failing = {COMMENTS: doc("douyin/item_comment_list_extra_error.json")}
    (tmp_path / "cursors" / "douyin.json").unlink()  # as on the first run of the day
    result = run_day(source_for(failing), DAY, ACCOUNT, tmp_path, "r2")
    assert "2111002" in result.skipped_items[0]
    assert len(raw_rows(tmp_path, "douyin", "comments", DAY)) == 1
