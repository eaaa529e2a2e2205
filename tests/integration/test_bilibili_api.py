"""Bilibili against documented-shape payloads: the v2.0 signature (test vector), the
envelope with request_id, both inc-stats spellings, quota and auth codes by account."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import ConfigError
from ingestion.platforms.bilibili import BilibiliSource, sign_headers, string_to_sign
from tests.integration.contract import FAST, doc, mock, raw_rows, refusal, run_day

DAY = date(2026, 11, 20)
MORNING_AFTER = "Fri, 20 Nov 2026 18:30:00 GMT"  # 02:30 on the 21st in Shanghai
ACCOUNT = Account("bilibili", "9", "官方", "主号")
ENV = {
    "SOCIALMART_BILIBILI_TOKEN": "user-token",
    "SOCIALMART_BILIBILI_CLIENT_ID": "34c0f583f0414123",
    "SOCIALMART_BILIBILI_CLIENT_SECRET": "abc7736bb78947d5a4a90690c861c456",
}


def test_the_signature_matches_the_test_vector():
    vector = doc("bilibili/signature_test_vector.json")
    i = vector["inputs"]
    headers = sign_headers(
        i["client_id"],
        i["app_secret"],
        i["access_token"],
        i["body"].encode(),
        nonce=i["nonce"],
        timestamp=i["timestamp"],
    )
    assert string_to_sign(headers) == vector["string_to_sign"]
    assert headers["Authorization"] == vector["expected_authorization"]
    expected = {k: v for k, v in vector["request_headers"].items() if k not in ("Accept",)}
    expected.pop("Content-Type")
    assert headers == expected


def documented(request: httpx.Request, inc: str = "bilibili/arc_inc_stats_response.json"):
    path = request.url.path
    if path.endswith("/user/stat"):
        return doc("bilibili/user_stat_response.json")
    if path.endswith("/viewlist"):
        body = doc("bilibili/archive_viewlist_response.json")
        if request.url.params["pn"] != "1":
            body["data"]["list"] = []
        return body
    if path.endswith("/arc/stat"):
        return doc("bilibili/arc_stat_response.json")
    return doc(inc)


def verifying(route, seen: list[httpx.Request]):
    """Refuse (127012, as the simulator does) a call whose signature is not right."""

    def check(request: httpx.Request):
        h = request.headers
        stamp_ok = h["x-bili-signature-version"] == "2.0" and h["x-bili-timestamp"].isdigit()
        body_md5 = hashlib.md5(request.content).hexdigest()
        signed = sign_headers(
            h["x-bili-accesskeyid"],
            ENV["SOCIALMART_BILIBILI_CLIENT_SECRET"],
            h["access-token"],
            request.content,
            nonce=h["x-bili-signature-nonce"],
            timestamp=h["x-bili-timestamp"],
        )
        if (
            not stamp_ok
            or h["x-bili-content-md5"] != body_md5
            or (h["authorization"] != signed["Authorization"])
        ):
            return {"code": 127012, "message": "鉴权错误", "ttl": 1, "request_id": "x"}
        return route(request)

    return mock(check, MORNING_AFTER, seen)


@pytest.mark.parametrize(
    "inc", ["arc_inc_stats_response.json", "arc_inc_stats_response_doc_typo_variant.json"]
)
def test_a_day_loads_exactly_the_documented_rows(tmp_path: Path, inc: str):
    seen: list[httpx.Request] = []
    transport = verifying(lambda r: documented(r, f"bilibili/{inc}"), seen)
    source = BilibiliSource("http://bili.test", ENV, policy=FAST, transport=transport)
    result = run_day(source, DAY, ACCOUNT, tmp_path)
    assert result.rows == {"user_stat": 1, "archives": 2, "arc_stat": 2, "arc_inc_stats": 1}
    nonces = {r.headers["x-bili-signature-nonce"] for r in seen}
    assert len(nonces) == len(seen)  # a fresh nonce per call
    assert all(r.headers["access-token"] == "user-token" for r in seen)
    (inc_row,) = raw_rows(tmp_path, "bilibili", "arc_inc_stats", DAY)
    assert inc_row["inc_reply"] == 87 and "icn_reply" not in inc_row
    (user,) = raw_rows(tmp_path, "bilibili", "user_stat", DAY)
    assert user["follower"] == 128530


def test_a_wrong_secret_is_refused_by_the_verifier_with_a_clear_error():
    env = {**ENV, "SOCIALMART_BILIBILI_CLIENT_SECRET": "not-the-secret"}
    transport = verifying(documented, [])
    source = BilibiliSource("http://bili.test", env, policy=FAST, transport=transport)
    assert "127012" in refusal(source, DAY, ACCOUNT)


def test_missing_app_credentials_name_the_variables():
    env = {"SOCIALMART_BILIBILI_TOKEN": "t"}
    source = BilibiliSource(
        "http://bili.test", env, policy=FAST, transport=verifying(documented, [])
    )
    with pytest.raises(ConfigError, match="SOCIALMART_BILIBILI_CLIENT_ID"):
        list(source.fetch(DAY, [ACCOUNT]))


def test_quota_reached_stops_the_run_naming_account_and_keeps_the_loaded_day(tmp_path: Path):
    good = BilibiliSource("http://bili.test", ENV, policy=FAST, transport=verifying(documented, []))
    run_day(good, DAY, ACCOUNT, tmp_path, "r1")
    calls: list[httpx.Request] = []

    def quota(request: httpx.Request):
        if request.url.path.endswith("/arc/stat"):
            return doc("bilibili/error_api_quota_reached.json")
        return documented(request)

    policy = FAST.__class__(requests_per_second=0, max_attempts=6, concurrency=1)
    source = BilibiliSource(
        "http://bili.test", ENV, policy=policy, transport=verifying(quota, calls)
    )
    (reason,) = run_day(source, DAY, ACCOUNT, tmp_path, "r2").skipped_items
    assert re.search("bilibili account 9.*127009.*next run resumes", reason), reason
    assert sum(r.url.path.endswith("/arc/stat") for r in calls) == 1  # not retried
    assert len(raw_rows(tmp_path, "bilibili", "arc_stat", DAY)) == 2


def test_a_token_refused_is_an_auth_error_with_the_request_id():
    transport = verifying(lambda r: doc("bilibili/error_access_token_invalid.json"), [])
    source = BilibiliSource("http://bili.test", ENV, policy=FAST, transport=transport)
    assert re.search("127001.*request_id 5e4d3c2b", refusal(source, DAY, ACCOUNT))


def test_the_simulator_checks_the_signature(simulator, sim_env):
    account = simulator.world.accounts_of("bilibili")[0]
    acc = Account("bilibili", account.account_id, "n", "主号")
    good = BilibiliSource(simulator.base_url, sim_env, policy=FAST)
    pages = list(good.fetch(date(2026, 11, 20), [acc]))
    assert pages[0].body["code"] == 0 and pages[0].body["request_id"]
    bad_env = {**sim_env, "SOCIALMART_BILIBILI_CLIENT_SECRET": "wrong"}
    bad = BilibiliSource(simulator.base_url, bad_env, policy=FAST)
    assert "127012" in refusal(bad, date(2026, 11, 20), acc)
    unsigned = httpx.get(
        f"{simulator.base_url}/arcopen/fn/data/user/stat",
        headers={"access-token": sim_env[next(k for k in sim_env if "BILIBILI_TOKEN" in k)]},
    )
    assert unsigned.json()["code"] == 127000


def test_the_preflight_asks_for_the_app_credentials(tmp_path: Path):
    from ingestion import preflight
    from ingestion.settings import Paths

    paths = Paths(tmp_path)
    paths.accounts.write_text("platform,account_id,account_name,role\nbilibili,9,官方,主号\n")
    env = {"SOCIALMART_HASH_KEY": "a-secret-of-16-chars", "SOCIALMART_BILIBILI_TOKEN": "t"}
    found = [str(p) for p in preflight.check(paths, env)]
    assert [p for p in found if "CLIENT" in p] == [
        "SOCIALMART_BILIBILI_CLIENT_ID: bilibili signs every call with its app's id and secret",
        "SOCIALMART_BILIBILI_CLIENT_SECRET: bilibili signs every call with its app's id and secret",
    ]
    assert preflight.check(paths, {**env, **ENV}) == []
