"""The token calls against documented-shape answers: each platform's request (path, form or
query, fields) and the grant read from its answer (tokens, expiry math), and a call refused
with a documented expiry code renewed and sent again."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.credentials import CredentialStore, app_key, grant_key
from ingestion.errors import CredentialError
from ingestion.platforms.bilibili import BilibiliSource
from ingestion.platforms.douyin import DouyinSource
from ingestion.platforms.kuaishou import KuaishouSource
from ingestion.platforms.wechat_oa import WechatOaSource
from ingestion.platforms.wecom import WecomSource
from ingestion.platforms.weibo import WeiboSource
from ingestion.settings import Paths
from tests.integration.contract import FAST, doc, mock

DATE = "Fri, 20 Nov 2026 02:30:00 GMT"
DAY_SECONDS = 86_400


def by_path(fixtures: dict[str, str], seen: list[httpx.Request]) -> httpx.MockTransport:
    """Answers each path with its documented-shape fixture."""
    return mock(lambda request: doc(fixtures[request.url.path]), DATE, seen)


def source_of(cls, env: dict[str, str], transport: httpx.MockTransport, home: Path):
    return cls("http://api.test", env, policy=FAST, transport=transport, paths=Paths(home))


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return {k: v[-1] for k, v in parse_qs(request.content.decode()).items()}


def test_douyin_exchanges_a_code_by_form_and_refreshes_without_the_secret(tmp_path: Path):
    seen: list[httpx.Request] = []

    fixtures = {
        "/oauth/access_token/": "douyin/oauth_access_token.json",
        "/oauth/refresh_token/": "douyin/oauth_refresh_token.json",
    }
    env = {"SOCIALMART_DOUYIN_CLIENT_KEY": "ck", "SOCIALMART_DOUYIN_CLIENT_SECRET": "cs"}
    source = source_of(DouyinSource, env, by_path(fixtures, seen), tmp_path)
    fixture = doc("douyin/oauth_access_token.json")["data"]
    account = Account("douyin", fixture["open_id"], "官方", "主号")
    before = time.time()
    grant = source.credentials.authorise(account, "the-code")

    assert form_of(seen[0]) == {
        "client_key": "ck",
        "client_secret": "cs",
        "code": "the-code",
        "grant_type": "authorization_code",
    }
    assert grant.access_token == fixture["access_token"]
    assert grant.expires_at == pytest.approx(before + 15 * DAY_SECONDS, abs=5)
    assert grant.refresh_expires_at == pytest.approx(before + 30 * DAY_SECONDS, abs=5)

    refused = source.token(account)
    renewed = source.credentials.renew(refused)
    assert form_of(seen[1]) == {
        "client_key": "ck",
        "grant_type": "refresh_token",
        "refresh_token": fixture["refresh_token"],
    }
    assert renewed == doc("douyin/oauth_refresh_token.json")["data"]["access_token"]
    stored = CredentialStore(tmp_path / "credentials").read()[
        grant_key("douyin", account.account_id)
    ]
    assert stored.refresh_expires_at == pytest.approx(before + 2_160_000, abs=5)  # not reset


def test_douyin_refuses_a_code_issued_to_another_account(tmp_path: Path):
    route = mock(lambda r: doc("douyin/oauth_access_token.json"), DATE)
    env = {"SOCIALMART_DOUYIN_CLIENT_KEY": "ck", "SOCIALMART_DOUYIN_CLIENT_SECRET": "cs"}
    source = source_of(DouyinSource, env, route, tmp_path)
    with pytest.raises(CredentialError, match="issued to open_id"):
        source.credentials.authorise(Account("douyin", "someone-else", "x", "主号"), "c")
    assert not (tmp_path / "credentials" / "tokens.json").exists()


def test_an_expired_douyin_code_is_a_credential_error_naming_its_code(tmp_path: Path):
    route = mock(lambda r: doc("douyin/oauth_access_token_error.json"), DATE)
    env = {"SOCIALMART_DOUYIN_CLIENT_KEY": "ck", "SOCIALMART_DOUYIN_CLIENT_SECRET": "cs"}
    source = source_of(DouyinSource, env, route, tmp_path)
    with pytest.raises(CredentialError, match="10007"):
        source.credentials.authorise(Account("douyin", "o", "x", "主号"), "old-code")


def test_kuaishou_reads_lifetimes_from_the_answer_and_stores_the_rotated_token(tmp_path: Path):
    seen: list[httpx.Request] = []
    fixtures = {
        "/oauth2/access_token": "kuaishou/oauth_access_token.json",
        "/oauth2/refresh_token": "kuaishou/oauth_refresh_token.json",
    }
    env = {"SOCIALMART_KUAISHOU_APP_ID": "ks", "SOCIALMART_KUAISHOU_APP_SECRET": "kss"}
    source = source_of(KuaishouSource, env, by_path(fixtures, seen), tmp_path)
    fixture = doc("kuaishou/oauth_access_token.json")
    account = Account("kuaishou", fixture["open_id"], "官方", "主号")
    before = time.time()
    grant = source.credentials.authorise(account, "c")
    assert dict(seen[0].url.params) == {
        "app_id": "ks",
        "app_secret": "kss",
        "code": "c",
        "grant_type": "authorization_code",
    }
    assert grant.expires_at == pytest.approx(before + 48 * 3600, abs=5)
    assert grant.refresh_expires_at == pytest.approx(before + 180 * DAY_SECONDS, abs=5)

    source.credentials.renew(source.token(account))
    assert seen[1].url.params["refresh_token"] == fixture["refresh_token"]
    stored = CredentialStore(tmp_path / "credentials").read()[
        grant_key("kuaishou", fixture["open_id"])
    ]
    rotated = doc("kuaishou/oauth_refresh_token.json")
    assert stored.refresh_token == rotated["refresh_token"]
    assert stored.refresh_expires_at == pytest.approx(before + 14_000_000, abs=5)


def test_bilibili_token_calls_go_unsigned_to_the_oauth_host_and_expiry_is_absolute(
    tmp_path: Path,
):
    seen: list[httpx.Request] = []

    def route(request: httpx.Request):
        assert request.url.host == "oauth.test"
        if request.url.path == "/x/account-oauth2/v1/token":
            return doc("bilibili/oauth_token_response.json")
        assert request.url.path == "/x/account-oauth2/v1/refresh_token"
        return doc("bilibili/oauth_refresh_response.json")

    env = {
        "SOCIALMART_BILIBILI_CLIENT_ID": "cid",
        "SOCIALMART_BILIBILI_CLIENT_SECRET": "csec",
        "SOCIALMART_BILIBILI_OAUTH_BASE_URL": "http://oauth.test",
    }
    source = source_of(BilibiliSource, env, mock(route, DATE, seen), tmp_path)
    account = Account("bilibili", "42", "官方", "主号")
    grant = source.credentials.authorise(account, "c")
    assert form_of(seen[0]) == {
        "client_id": "cid",
        "client_secret": "csec",
        "grant_type": "authorization_code",
        "code": "c",
    }
    assert not any(k.lower().startswith("x-bili-") for k in seen[0].headers)
    fixture = doc("bilibili/oauth_token_response.json")["data"]
    assert grant.expires_at == fixture["expires_in"]  # a Unix second, not a lifetime
    assert grant.refresh_expires_at is None  # no lifetime is published

    # the fixture's expiry (2026-01-01) has passed: asking for the token refreshes it
    assert (
        source.token(account) == doc("bilibili/oauth_refresh_response.json")["data"]["access_token"]
    )
    assert form_of(seen[1])["refresh_token"] == fixture["refresh_token"]
    assert form_of(seen[1])["grant_type"] == "refresh_token"


def test_wechat_fetches_by_app_and_renews_a_token_refused_with_42001(tmp_path: Path):
    seen: list[httpx.Request] = []
    fetched = doc("wechat/cgi_bin_token_response.json")
    second = {**fetched, "access_token": fetched["access_token"] + "-2"}
    answers = {"/cgi-bin/token": [fetched, second]}

    def route(request: httpx.Request):
        if request.url.path == "/cgi-bin/token":
            return answers["/cgi-bin/token"].pop(0)
        if request.url.params["access_token"] == fetched["access_token"]:
            return doc("wechat/error_42001_access_token_expired.json")
        return doc("wechat/datacube_getusersummary_response.json")

    env = {"SOCIALMART_WECHAT_OA_APPID_GH_1": "wx1", "SOCIALMART_WECHAT_OA_APPSECRET_GH_1": "s1"}
    source = source_of(WechatOaSource, env, mock(route, DATE, seen), tmp_path)
    auth = {"access_token": source.token(Account("wechat_oa", "gh_1", "官方", "主号"))}
    body = source.client.post_json("/datacube/getusersummary", auth, {}, {})

    assert body == doc("wechat/datacube_getusersummary_response.json")
    assert dict(seen[0].url.params) == {
        "grant_type": "client_credential",
        "appid": "wx1",
        "secret": "s1",
    }
    assert [r.url.path for r in seen] == [
        "/cgi-bin/token",
        "/datacube/getusersummary",
        "/cgi-bin/token",
        "/datacube/getusersummary",
    ]
    assert seen[3].url.params["access_token"] == second["access_token"]
    cached = CredentialStore(tmp_path / "credentials").read()[app_key("wechat_oa", "wx1")]
    assert cached.access_token == second["access_token"]
    assert cached.expires_at == pytest.approx(time.time() + 7200, abs=5)


def test_wecom_staff_share_one_corp_token(tmp_path: Path):
    seen: list[httpx.Request] = []
    env = {"SOCIALMART_WECOM_CORPID": "corp", "SOCIALMART_WECOM_CORPSECRET": "sec"}
    transport = by_path({"/cgi-bin/gettoken": "wecom/gettoken_response.json"}, seen)
    source = source_of(WecomSource, env, transport, tmp_path)
    tokens = {source.token(Account("wecom", f"staff{i}", "客服", "")) for i in range(3)}
    assert tokens == {doc("wecom/gettoken_response.json")["access_token"]}
    assert [dict(r.url.params) for r in seen] == [{"corpid": "corp", "corpsecret": "sec"}]


def test_a_static_token_is_not_renewed(tmp_path: Path):
    calls: list[httpx.Request] = []
    route = mock(lambda r: doc("wechat/error_42001_access_token_expired.json"), DATE, calls)
    source = source_of(WechatOaSource, {"SOCIALMART_WECHAT_OA_TOKEN": "static"}, route, tmp_path)
    auth = {"access_token": source.token(Account("wechat_oa", "gh_1", "官方", "主号"))}
    with pytest.raises(Exception, match="42001"):
        source.client.post_json("/datacube/getusersummary", auth, {}, {})
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("answer", "extended"),
    [
        ("douyin/oauth_renew_refresh_token.json", True),
        ("douyin/oauth_renew_refresh_token_limit.json", False),
    ],
)
def test_douyin_renews_a_refresh_token_due_within_the_alert_days(
    tmp_path: Path, answer: str, extended: bool
):
    seen: list[httpx.Request] = []
    env = {"SOCIALMART_DOUYIN_CLIENT_KEY": "ck", "SOCIALMART_DOUYIN_CLIENT_SECRET": "cs"}
    fixtures = {"/oauth/access_token/": "douyin/oauth_access_token.json"}
    fixtures["/oauth/renew_refresh_token/"] = answer
    source = source_of(DouyinSource, env, by_path(fixtures, seen), tmp_path)
    fixture = doc("douyin/oauth_access_token.json")["data"]
    account = Account("douyin", fixture["open_id"], "官方", "主号")
    source.credentials.authorise(account, "c")
    assert source.credentials.extend(account, days=29) is True  # 30 days left: not due
    assert len(seen) == 1

    before = time.time()
    assert source.credentials.extend(account, days=31) is extended
    assert form_of(seen[1]) == {"client_key": "ck", "refresh_token": fixture["refresh_token"]}
    stored = CredentialStore(tmp_path / "credentials").read()[
        grant_key("douyin", fixture["open_id"])
    ]
    if extended:
        assert stored.refresh_token == doc(answer)["data"]["refresh_token"]
        assert stored.refresh_expires_at == pytest.approx(before + 30 * DAY_SECONDS, abs=5)
    else:
        assert stored.refresh_token == fixture["refresh_token"]


WEIBO_APP = {
    "SOCIALMART_WEIBO_CLIENT_ID": "wb",
    "SOCIALMART_WEIBO_CLIENT_SECRET": "wbs",
    "SOCIALMART_WEIBO_REDIRECT_URI": "https://brand.example/weibo/callback",
}
WEIBO_TOKEN_CALLS = {
    "/oauth2/access_token": "weibo/oauth2_access_token_response.json",
    "/oauth2/get_token_info": "weibo/oauth2_get_token_info_response.json",
}


def test_weibo_exchanges_a_code_and_keeps_the_expiry_its_token_info_states(tmp_path: Path):
    seen: list[httpx.Request] = []
    source = source_of(WeiboSource, WEIBO_APP, by_path(WEIBO_TOKEN_CALLS, seen), tmp_path)
    answer = doc("weibo/oauth2_access_token_response.json")
    account = Account("weibo", answer["uid"], "官方微博", "主号")
    before = time.time()
    grant = source.credentials.authorise(account, "c")
    assert form_of(seen[0]) == {
        "client_id": "wb",
        "client_secret": "wbs",
        "code": "c",
        "grant_type": "authorization_code",
        "redirect_uri": "https://brand.example/weibo/callback",
    }
    assert form_of(seen[1]) == {"access_token": answer["access_token"]}
    # get_token_info's expire_in (86,400 s left), not the exchange's expires_in ("7200")
    assert grant.expires_at == pytest.approx(before + 86_400, abs=5)
    assert grant.refresh_token == "" and grant.open_id == answer["uid"]
    assert source.token(account) == answer["access_token"]  # from the store, no call
    assert len(seen) == 2


def test_weibo_asks_for_consent_again_when_its_token_is_due(tmp_path: Path):
    source = source_of(WeiboSource, WEIBO_APP, by_path(WEIBO_TOKEN_CALLS, []), tmp_path)
    account = Account("weibo", "5012345678", "官方微博", "主号")
    source.credentials.authorise(account, "c")
    source.credentials.clock = lambda: time.time() + 86_400  # the day it expires
    with pytest.raises(CredentialError, match="authorise weibo 5012345678 --code"):
        source.token(account)


def test_weibo_refuses_an_invalid_code(tmp_path: Path):
    route = mock(lambda r: (400, doc("weibo/oauth2_error_invalid_grant.json")), DATE, [])
    source = source_of(WeiboSource, WEIBO_APP, route, tmp_path)
    with pytest.raises(CredentialError, match="weibo refused the authorisation code.*21325"):
        source.credentials.authorise(Account("weibo", "5012345678", "官方微博", "主号"), "old")
