"""WeChat OA against documented-shape payloads: datacube readiness (empty before 08:00 of
the next day is "not ready"), comment/list with count < 50 paged by begin, per-article
88000/88001 skipped with a reason, the daily quota stopping the run."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import QuotaExhaustedError
from ingestion.platforms.wechat_oa import WechatOaSource
from tests.integration.contract import FAST, doc, mock, raw_rows, run_day

DAY = date(2025, 1, 7)  # the datacube fixtures' ref_date
READY = "Wed, 08 Jan 2025 01:30:00 GMT"  # 09:30 on the 8th in Beijing: the 7th is ready
NOT_READY = "Tue, 07 Jan 2025 19:00:00 GMT"  # 03:00 on the 8th in Beijing
ACCOUNT = Account("wechat_oa", "gh_1", "公众号", "主号")
ENV = {"SOCIALMART_WECHAT_OA_TOKEN": "tok"}
SHIFT = 6 * 86400  # the comment fixture is dated 2025-01-01: move it onto DAY


def documented(request: httpx.Request, ready: bool = True, comment_error: dict | None = None):
    path = request.url.path
    if path.startswith("/datacube/"):
        if not ready:
            return {"list": []}  # what the datacube answers before the day is complete
        return doc(f"wechat/datacube_{path.rsplit('/', 1)[1]}_response.json")
    if path == "/cgi-bin/comment/list":
        body = json.loads(request.content)
        assert body["count"] < 50 and body["type"] == 0
        if comment_error:
            return comment_error
        page = doc("wechat/comment_list_response.json")
        for c in page["comment"]:
            c["create_time"] += SHIFT
        # page by begin: one comment per page, as a count of 1 would
        page["comment"] = page["comment"][body["begin"] : body["begin"] + 1]
        return page
    if path == "/cgi-bin/user/get":
        following = request.url.params.get("next_openid", "")
        return doc(
            {
                "": "wechat/user_get_response_page1.json",
                "oAbCd0000000000000000000002": "wechat/user_get_response_last_page.json",
            }.get(following, "wechat/user_get_response_exhausted.json")
        )
    if path == "/cgi-bin/user/info/batchget":
        # batchget's list of user/info objects (only the single user/info shape is sourced)
        return {"user_info_list": [doc("wechat/user_info_response.json")]}
    raise AssertionError(path)


def source_for(route, date_header: str, seen: list | None = None) -> WechatOaSource:
    return WechatOaSource(
        "http://wx.test", ENV, policy=FAST, transport=mock(route, date_header, seen)
    )


def test_a_ready_day_loads_exactly_the_documented_rows(tmp_path: Path):
    seen: list[httpx.Request] = []
    result = run_day(source_for(documented, READY, seen), DAY, ACCOUNT, tmp_path)
    assert result.rows == {
        "article_daily": 1,
        "user_summary": 2,  # the 7th's two sources; the 6th's rows are not that day's
        "user_cumulate": 1,
        "followers": 1,
        "comments": 2,
    }
    begins = [json.loads(r.content)["begin"] for r in seen if r.url.path.endswith("comment/list")]
    assert begins == [0, 1]
    comments = raw_rows(tmp_path, "wechat_oa", "comments", DAY)
    assert sorted(c["user_comment_id"] for c in comments) == [1, 2]
    assert [r["cumulate_user"] for r in raw_rows(tmp_path, "wechat_oa", "user_cumulate", DAY)] == [
        153025
    ]
    assert result.skipped_items == []


def test_empty_lists_before_eight_are_not_ready_and_never_clear_a_loaded_day(tmp_path: Path):
    run_day(source_for(documented, READY), DAY, ACCOUNT, tmp_path, "r1")
    early = run_day(
        source_for(lambda r: documented(r, ready=False), NOT_READY), DAY, ACCOUNT, tmp_path, "r2"
    )
    assert "not ready" in early.skipped_items[0] and "gh_1" in early.skipped_items[0]
    assert len(raw_rows(tmp_path, "wechat_oa", "user_cumulate", DAY)) == 1
    assert len(raw_rows(tmp_path, "wechat_oa", "article_daily", DAY)) == 1
    assert len(raw_rows(tmp_path, "wechat_oa", "comments", DAY)) == 2
    assert len(raw_rows(tmp_path, "wechat_oa", "followers", DAY)) == 1  # still a snapshot


def test_empty_lists_after_eight_are_not_loaded_as_zero(tmp_path: Path):
    result = run_day(
        source_for(lambda r: documented(r, ready=False), READY), DAY, ACCOUNT, tmp_path
    )
    assert "article_daily" not in result.rows and "user_cumulate" not in result.rows
    assert "not ready" in result.skipped_items[0]


@pytest.mark.parametrize("code", [88000, 88001])
def test_an_article_without_comments_is_skipped_with_a_reason(tmp_path: Path, code: int):
    error = (
        doc("wechat/error_88000_without_comment_privilege.json")
        if code == 88000
        else {"errcode": 88001, "errmsg": "msg_data is not exists"}
    )
    result = run_day(
        source_for(lambda r: documented(r, comment_error=error), READY), DAY, ACCOUNT, tmp_path
    )
    assert result.rows["article_daily"] == 1 and result.rows["followers"] == 1
    assert result.rows["user_summary"] == 2 and result.rows["comments"] == 0
    (reason,) = result.skipped_items
    assert f"article 2247480001_1 skipped: {code}" in reason and "gh_1" in reason


def test_the_daily_quota_stops_the_run_and_keeps_the_loaded_day(tmp_path: Path):
    run_day(source_for(documented, READY), DAY, ACCOUNT, tmp_path, "r1")
    quota = doc("wechat/error_45009_daily_quota.json")
    source = source_for(
        lambda r: quota if r.url.path.endswith("comment/list") else documented(r), READY
    )
    with pytest.raises(QuotaExhaustedError, match="45009"):
        run_day(source, DAY, ACCOUNT, tmp_path, "r2")
    assert len(raw_rows(tmp_path, "wechat_oa", "comments", DAY)) == 2


def test_the_simulator_answers_empty_lists_until_eight_and_refuses_count_50(simulator, sim_env):
    account = simulator.world.accounts_of("wechat_oa")[0]
    token = next(v for k, v in sim_env.items() if k.startswith("SOCIALMART_WECHAT_OA_TOKEN"))
    day = {"begin_date": "2026-11-20", "end_date": "2026-11-20"}
    url = f"{simulator.base_url}/datacube/getusercumulate"
    simulator.set_today(date(2026, 11, 21), at=time(7, 59))  # the 03:00 schedule's side of 8
    assert httpx.post(url, params={"access_token": token}, json=day).json() == {"list": []}
    simulator.set_today(date(2026, 11, 21), at=time(8, 30))
    assert httpx.post(url, params={"access_token": token}, json=day).json()["list"]
    article = simulator.world.contents_of(account, date(2026, 11, 20))[0].content_id
    data_id, _, index = article.partition("_")
    comment = {"msg_data_id": int(data_id), "index": int(index) - 1, "begin": 0, "type": 0}
    url = f"{simulator.base_url}/cgi-bin/comment/list"
    auth = {"access_token": token}
    assert httpx.post(url, params=auth, json={**comment, "count": 49}).json()["errcode"] == 0
    assert httpx.post(url, params=auth, json={**comment, "count": 50}).json()["errcode"] == 40097
