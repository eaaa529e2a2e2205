"""The credential store and the renewal policy, without a platform: owner-only files, a
crash between write and rename leaving the previous grants intact, tokens cached until the
margin before expiry, one renewal for a refused token, expiry lines days ahead."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.accounts import Account
from ingestion.credentials import (
    RENEW_MARGIN_SECONDS,
    ClientCredential,
    Credentials,
    CredentialStore,
    Grant,
    OAuth,
    State,
    expiring,
    grant_key,
)
from ingestion.errors import ConfigError, CredentialError

ACCOUNT = Account("demo", "acc-1", "官方", "主号")
NOW = 1_800_000_000.0
ENV = {"SOCIALMART_DEMO_APP_ID": "app", "SOCIALMART_DEMO_APP_SECRET": "secret"}


def test_the_store_is_owner_only(tmp_path: Path):
    store = CredentialStore(tmp_path / "credentials")
    with store.locked() as grants:
        grants["k"] = Grant("at-1", NOW)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.folder).st_mode) == 0o700
    assert store.read() == {"k": Grant("at-1", NOW, obtained_at=store.read()["k"].obtained_at)}


def test_a_crash_between_write_and_rename_keeps_the_previous_grants(tmp_path: Path, monkeypatch):
    store = CredentialStore(tmp_path / "credentials")
    with store.locked() as grants:
        grants["k"] = Grant("old-access", NOW, "old-refresh", NOW + 100, obtained_at=NOW)
    before = store.path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"), store.locked() as grants:
        grants["k"] = Grant("new-access", NOW, "new-refresh", NOW + 100, obtained_at=NOW)
    monkeypatch.undo()

    assert store.path.read_bytes() == before
    assert store.read()["k"].refresh_token == "old-refresh"
    assert sorted(p.name for p in store.folder.iterdir()) == [".lock", "tokens.json"]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def app_credentials(tmp_path: Path, clock: Clock) -> tuple[Credentials, list[str]]:
    fetched: list[str] = []

    def fetch(client: object, app: object) -> Grant:
        fetched.append(f"at-{len(fetched) + 1}")
        return Grant(fetched[-1], clock() + 7200, obtained_at=clock())

    auth = ClientCredential("SOCIALMART_DEMO_APP_ID", "SOCIALMART_DEMO_APP_SECRET", fetch)
    store = CredentialStore(tmp_path / "credentials")
    return Credentials("demo", auth, store, ENV, client=None, clock=clock), fetched  # type: ignore[arg-type]


def test_an_app_token_is_cached_until_the_margin_before_expiry(tmp_path: Path):
    clock = Clock()
    credentials, fetched = app_credentials(tmp_path, clock)
    assert credentials.token(ACCOUNT) == "at-1"
    clock.now = NOW + 7200 - RENEW_MARGIN_SECONDS - 1
    assert credentials.token(ACCOUNT) == "at-1"
    clock.now += 2
    assert credentials.token(ACCOUNT) == "at-2"
    assert fetched == ["at-1", "at-2"]


def test_a_refused_token_is_renewed_once_whoever_asks(tmp_path: Path):
    credentials, fetched = app_credentials(tmp_path, Clock())
    refused = credentials.token(ACCOUNT)
    assert credentials.renew(refused) == "at-2"
    assert credentials.renew(refused) == "at-2"  # another thread saw the same refusal
    assert fetched == ["at-1", "at-2"]
    assert credentials.renew("a-static-token") is None


@dataclass(frozen=True)
class ScriptedOAuth(OAuth):
    """The policy's side only: the platform's refresh answered by a function."""

    answer: Callable[[Grant], Grant] | None = None

    def refresh(self, client: object, app: object, grant: Grant) -> Grant:  # type: ignore[override]
        assert self.answer is not None
        return self.answer(grant)


def oauth_credentials(tmp_path: Path, clock: Clock, refresh) -> Credentials:
    names = ("SOCIALMART_DEMO_APP_ID", "SOCIALMART_DEMO_APP_SECRET")
    auth = ScriptedOAuth(*names, "/t", "/r", "id", "s", frozenset(), answer=refresh)
    store = CredentialStore(tmp_path / "credentials")
    with store.locked() as grants:
        grants[grant_key("demo", ACCOUNT.account_id)] = Grant(
            "at-0", NOW + 3600, "rt-0", NOW + 10 * 86_400, obtained_at=NOW
        )
    return Credentials("demo", auth, store, ENV, client=None, clock=clock)  # type: ignore[arg-type]


def test_a_refresh_keeps_the_refresh_expiry_the_platform_does_not_restate(tmp_path: Path):
    clock = Clock()
    credentials = oauth_credentials(
        tmp_path, clock, lambda grant: Grant("at-1", clock() + 3600, "rt-1")
    )
    clock.now = NOW + 3600
    assert credentials.token(ACCOUNT) == "at-1"
    stored = credentials.store.read()[grant_key("demo", ACCOUNT.account_id)]
    assert (stored.refresh_token, stored.refresh_expires_at) == ("rt-1", NOW + 10 * 86_400)


def test_an_expired_refresh_token_asks_for_authorisation(tmp_path: Path):
    clock = Clock()
    credentials = oauth_credentials(tmp_path, clock, lambda *a: pytest.fail("not called"))
    clock.now = NOW + 10 * 86_400
    with pytest.raises(CredentialError, match="authorise demo acc-1 --code"):
        credentials.token(ACCOUNT)


def test_no_token_no_app_no_grant_names_what_to_set(tmp_path: Path):
    credentials = Credentials(
        "demo",
        None,
        CredentialStore(tmp_path),
        {},
        client=None,  # type: ignore[arg-type]
    )
    with pytest.raises(ConfigError, match="SOCIALMART_DEMO_TOKEN_ACC_1 or SOCIALMART_DEMO_TOKEN"):
        credentials.token(ACCOUNT)


def test_expiry_is_told_within_the_alert_days_only():
    found = [
        State("douyin", "soon", "stored grant", NOW, NOW + 3 * 86_400),
        State("douyin", "later", "stored grant", NOW, NOW + 8 * 86_400),
        State("kuaishou", "gone", "stored grant", NOW, NOW - 1),
        State("bilibili", "unknown", "stored grant", NOW, None),
    ]
    lines = expiring(found, NOW, days=7)
    assert len(lines) == 2
    assert lines[0].startswith("douyin account soon: the refresh token expires in 3.0 days")
    assert lines[1].startswith("kuaishou account gone: the refresh token has expired")
