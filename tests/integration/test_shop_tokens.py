"""抖店's token calls against documented-shape answers (docs/sources/douyin_shop_kuaishou.md
B.1): token.create for a self-built app's own shop and for a consent code, token.refresh
when the platform answers a documented expired-token code mid-run (the day completes with
the rotated pair stored), and the expiry arithmetic of a pair whose answer states no
refresh-token lifetime."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingestion.credentials import CredentialStore, grant_key
from ingestion.errors import CredentialError
from ingestion.platforms.shop import ShopSource
from ingestion.settings import Paths
from tests.integration.contract import ENV as HASH_ENV
from tests.integration.contract import FAST, doc, mock, run_day
from tests.integration.test_shop_api import (
    ACCOUNT,
    APP_KEY,
    BAD_SIGN,
    DAY,
    NOW,
    SECRET,
    decrypted,
    signed_rightly,
)

DAYS = 86_400
APP = {"SOCIALMART_SHOP_APP_KEY": APP_KEY, "SOCIALMART_SHOP_APP_SECRET": SECRET}
CREATED = doc("doudian/token_create.json")["data"]
REFRESHED = doc("doudian/token_refresh.json")["data"]


def source_of(home: Path, route: Callable[[httpx.Request], Any], seen: list[httpx.Request]):
    def checked(request: httpx.Request) -> Any:
        return route(request) if signed_rightly(request) else BAD_SIGN

    transport = mock(checked, NOW, seen)
    env = {**HASH_ENV, **APP}
    return ShopSource("http://shop.test", env, policy=FAST, transport=transport, paths=Paths(home))


def stored(home: Path):
    return CredentialStore(home / "credentials").read()[grant_key("shop", ACCOUNT.account_id)]


def token_call(request: httpx.Request, method: str) -> dict[str, Any]:
    """The param_json of a token call, after checking its query: signed, no access_token."""
    assert (request.method, request.url.path) == ("POST", "/" + method.replace(".", "/"))
    q = dict(request.url.params)
    assert set(q) == {"app_key", "method", "timestamp", "v", "sign", "sign_method"}
    assert (q["app_key"], q["method"], q["v"]) == (APP_KEY, method, "2")
    return json.loads(request.content)


@pytest.mark.parametrize(
    ("code", "param_json"),
    [
        ("", {"code": "", "grant_type": "authorization_self", "shop_id": 1234567}),
        ("the-code", {"code": "the-code", "grant_type": "authorization_code"}),
    ],
)
def test_the_shop_is_authorised_by_token_create(tmp_path: Path, code: str, param_json: dict):
    seen: list[httpx.Request] = []
    source = source_of(tmp_path, lambda r: doc("doudian/token_create.json"), seen)
    before = time.time()
    grant = source.credentials.authorise(ACCOUNT, code)

    (request,) = seen
    assert token_call(request, "token.create") == param_json
    assert grant == stored(tmp_path)
    assert grant.access_token == CREATED["access_token"]
    assert grant.refresh_token == CREATED["refresh_token"]
    assert grant.expires_at == pytest.approx(before + 7 * DAYS, abs=5)  # expires_in 604800
    assert grant.refresh_expires_at == pytest.approx(before + 14 * DAYS, abs=5)
    assert grant.open_id == "1234567"  # the answer's shop_id
    assert stat.S_IMODE((tmp_path / "credentials" / "tokens.json").stat().st_mode) == 0o600
    assert source.token(ACCOUNT) == CREATED["access_token"]


@pytest.mark.parametrize(
    "expired",
    ["doudian/error_access_token_expired.json", "doudian/error_legacy_token_expired.json"],
)
def test_a_token_refused_as_expired_mid_run_is_refreshed_and_the_day_completes(
    tmp_path: Path, expired: str
):
    seen: list[httpx.Request] = []

    def platform(request: httpx.Request) -> Any:
        path, token = request.url.path, request.url.params.get("access_token")
        if path == "/token/create":
            return doc("doudian/token_create.json")
        if path == "/token/refresh":
            return doc("doudian/token_refresh.json")
        if token != REFRESHED["access_token"]:
            return doc(expired)  # the first token has expired since it was stored
        if path == "/order/batchDecrypt":
            return decrypted()
        return doc("doudian/order_search_list.json")

    source = source_of(tmp_path, platform, seen)
    source.credentials.authorise(ACCOUNT, "")
    before = time.time()
    assert run_day(source, DAY, ACCOUNT, tmp_path).rows == {"orders": 1}

    paths = [r.url.path for r in seen]
    assert paths == [
        "/token/create",
        "/order/searchList",  # refused
        "/token/refresh",
        "/order/searchList",
        "/order/batchDecrypt",
    ]
    assert token_call(seen[2], "token.refresh") == {
        "grant_type": "refresh_token",
        "refresh_token": CREATED["refresh_token"],
    }
    for retried in seen[3:]:
        assert retried.url.params["access_token"] == REFRESHED["access_token"]
    grant = stored(tmp_path)  # the rotated pair, persisted
    assert (grant.access_token, grant.refresh_token) == (
        REFRESHED["access_token"],
        REFRESHED["refresh_token"],
    )
    # a new refresh token lives 14 days from its refresh (B.1; no field states it)
    assert grant.refresh_expires_at == pytest.approx(before + 14 * DAYS, abs=5)


def test_a_refresh_answering_the_same_pair_keeps_its_expiry(tmp_path: Path):
    """More than an hour before expiry token.refresh returns the same pair (B.1)."""
    seen: list[httpx.Request] = []
    source = source_of(tmp_path, lambda r: doc("doudian/token_create.json"), seen)
    first = source.credentials.authorise(ACCOUNT, "")
    renewed = source.credentials.renew(source.token(ACCOUNT))

    assert token_call(seen[1], "token.refresh")["refresh_token"] == CREATED["refresh_token"]
    assert renewed == CREATED["access_token"]
    assert stored(tmp_path).refresh_expires_at == first.refresh_expires_at


def test_an_expired_refresh_token_asks_for_the_shop_to_be_authorised_again(tmp_path: Path):
    seen: list[httpx.Request] = []

    def platform(request: httpx.Request) -> Any:
        if request.url.path == "/token/create":
            return doc("doudian/token_create.json")
        if request.url.path == "/token/refresh":
            return doc("doudian/error_token_generate_failed.json")
        return doc("doudian/error_access_token_expired.json")

    source = source_of(tmp_path, platform, seen)
    source.credentials.authorise(ACCOUNT, "")
    with pytest.raises(CredentialError, match="authorise shop 1234567"):
        run_day(source, DAY, ACCOUNT, tmp_path)
    assert stored(tmp_path).refresh_token == CREATED["refresh_token"]  # nothing half-written
