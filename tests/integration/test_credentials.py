"""Credentials through the simulator: accounts authorised by the command, tokens that expire
in the middle of a run renewed and the run completed, a refresh token near expiry told to
the robot, and no token or secret in logs, landing files or DuckDB."""

from __future__ import annotations

import gzip
import logging
import re
import time
from dataclasses import replace
from datetime import timedelta

import duckdb
import pytest

from devtools.simulator.harness import RunningSimulator
from devtools.simulator.tokens import app_of
from ingestion import credentials
from ingestion.accounts import read_accounts
from ingestion.credentials import CredentialStore, grant_key, states
from serving.credential_alerts import notify_expiring
from tests.helpers import DAY, Receiver, ingest

RENEWING = ("wechat_oa", "wecom", "douyin", "kuaishou", "bilibili", "shop")
OAUTH = ("douyin", "kuaishou", "bilibili", "shop")
DAYS = 86_400
SHOP_DAY = DAY - timedelta(days=1)  # the tiny world's shop sells nothing on DAY


def authorise_all(sim: RunningSimulator, env: dict[str, str], monkeypatch, platform: str):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for account in sim.world.accounts_of(platform):
        code = sim.consent(platform, account.account_id)
        argv = ["authorise", platform, account.account_id, "--code", code]
        assert credentials.main(argv) == 0


@pytest.mark.parametrize("platform", RENEWING)
def test_a_token_expiring_mid_run_is_renewed_and_the_run_completes(
    simulator: RunningSimulator, platform: str, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG)
    static = simulator.environ()
    monkeypatch.setenv("SOCIALMART_HASH_KEY", static["SOCIALMART_HASH_KEY"])
    day = SHOP_DAY if platform == "shop" else DAY
    expected = ingest(simulator, static, platform, day, "static").rows  # the oracle
    env = {**simulator.renewing_environ(), f"SOCIALMART_{platform.upper()}_CONCURRENCY": "1"}
    # every access token answers one call, then the platform refuses it as expired
    simulator.set_token_lifetimes({platform: {"access_uses": 1}})
    if platform in OAUTH:
        authorise_all(simulator, env, monkeypatch, platform)
    result = ingest(simulator, env, platform, day, "renewing")

    assert result.rows == expected
    assert sum(expected.values()) > 0
    issued = [t for t in simulator.server.state.tokens.access.values() if t.platform == platform]
    # beyond the first token of each app or account (one corp app for WeCom's staff), at
    # least one more was issued mid-run
    first = 1 if platform == "wecom" else len(simulator.world.accounts_of(platform))
    assert len(issued) > first
    secrets_never_written(simulator, caplog.text)


def secrets_never_written(sim: RunningSimulator, logged: str) -> None:
    authority = sim.server.state.tokens
    secrets = [*authority.access, *authority.refresh]
    secrets += [
        app_of(sim.world, p, a.account_id)[1] for p in RENEWING for a in sim.world.accounts_of(p)
    ]
    assert secrets
    landed = b"".join(gzip.decompress(f.read_bytes()) for f in sim.paths.landing.rglob("*.gz"))
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        stored = "".join(
            str(con.execute(f'select * from "{s}"."{t}"').fetchall()) for s, t in tables
        )
    finally:
        con.close()
    for secret in secrets:
        assert secret not in logged
        assert secret.encode() not in landed
        assert secret not in stored
    assert sim.paths.warehouse.read_bytes().find(secrets[0].encode()) == -1


def test_a_refresh_token_near_expiry_is_posted_to_the_robot_days_before(
    simulator: RunningSimulator, monkeypatch
):
    robot = Receiver()
    robot.replies.append((200, {"errcode": 0, "errmsg": "ok"}))
    simulator.set_token_lifetimes({"kuaishou": {"refresh_seconds": 3 * 86_400}})
    env = {
        **simulator.renewing_environ(),
        "SOCIALMART_ALERT_WEBHOOK_URL": f"{robot.url}/cgi-bin/webhook/send?key=k",
        "SOCIALMART_ALERT_WEBHOOK_KIND": "wecom",
    }
    authorise_all(simulator, env, monkeypatch, "kuaishou")
    authorise_all(simulator, env, monkeypatch, "douyin")  # 30 days left: not due

    lines = notify_expiring(simulator.paths, env)

    kuaishou = [a.account_id for a in simulator.world.accounts_of("kuaishou")]
    assert len(lines) == len(kuaishou)
    assert len(robot.requests) == 1
    (path, body) = robot.requests[0]
    text = body["markdown"]["content"]
    for account_id in kuaishou:
        assert f"kuaishou account {account_id}: the refresh token expires in 3.0 days" in text
    assert "douyin" not in text
    assert "authorise kuaishou" in text


def test_a_rotated_refresh_token_is_stored_before_it_is_used_again(
    simulator: RunningSimulator, monkeypatch
):
    """Kuaishou rotates: the old refresh token dies at once, so only a stored new one works."""
    env = simulator.renewing_environ()
    simulator.set_token_lifetimes({"kuaishou": {"access_uses": 1}})
    authorise_all(simulator, env, monkeypatch, "kuaishou")
    store = CredentialStore(simulator.paths.credentials)
    account = simulator.world.accounts_of("kuaishou")[0].account_id
    first = store.read()[grant_key("kuaishou", account)]
    ingest(simulator, {**env, "SOCIALMART_KUAISHOU_CONCURRENCY": "1"}, "kuaishou", DAY, "r1")
    after = store.read()[grant_key("kuaishou", account)]
    assert after.refresh_token != first.refresh_token
    assert first.refresh_token not in simulator.server.state.tokens.refresh  # dead
    # the inherited expiry: the rotated token expires when the first did (to the second)
    assert after.refresh_expires_at == pytest.approx(first.refresh_expires_at, abs=2)


def test_an_expired_refresh_token_asks_for_authorisation_again(
    simulator: RunningSimulator, monkeypatch
):
    env = simulator.renewing_environ()
    simulator.set_token_lifetimes({"douyin": {"access_seconds": 0, "refresh_seconds": 0}})
    authorise_all(simulator, env, monkeypatch, "douyin")
    refused = ingest(simulator, env, "douyin", DAY, "r1").refused
    accounts = [a for a in simulator.world.accounts if a.platform == "douyin"]
    assert len(refused) == len(accounts) > 0  # each account named, with what to do
    assert all(re.search("authorise douyin .* --code", r) for r in refused), refused


def test_status_lists_each_account_without_a_secret(
    simulator: RunningSimulator, monkeypatch, capsys
):
    env = simulator.renewing_environ()
    authorise_all(simulator, env, monkeypatch, "douyin")
    capsys.readouterr()
    assert credentials.main(["status"]) == 0
    out = capsys.readouterr().out
    found = {
        (s.platform, s.account_id): s.source
        for s in states(simulator.paths, env, read_accounts(simulator.paths.accounts))
    }
    for account in simulator.world.accounts_of("douyin"):
        assert found[("douyin", account.account_id)] == "stored grant"
        assert f"douyin     {account.account_id}" in out
    assert found[("wechat_oa", simulator.world.accounts_of("wechat_oa")[0].account_id)] == (
        "app credentials"
    )
    assert "30.0 days left" in out or "29.9 days left" in out
    for secret in [*simulator.server.state.tokens.access, *simulator.server.state.tokens.refresh]:
        assert secret not in out


def test_a_douyin_refresh_token_due_is_extended_instead_of_posted(
    simulator: RunningSimulator, monkeypatch
):
    robot = Receiver()
    simulator.set_token_lifetimes({"douyin": {"refresh_seconds": 3 * 86_400}})
    env = {
        **simulator.renewing_environ(),
        "SOCIALMART_ALERT_WEBHOOK_URL": f"{robot.url}/cgi-bin/webhook/send?key=k",
        "SOCIALMART_ALERT_WEBHOOK_KIND": "wecom",
    }
    authorise_all(simulator, env, monkeypatch, "douyin")
    store = CredentialStore(simulator.paths.credentials)
    keys = [grant_key("douyin", a.account_id) for a in simulator.world.accounts_of("douyin")]
    before = store.read()

    assert notify_expiring(simulator.paths, env) == []

    after = store.read()
    assert robot.requests == []
    for key in keys:  # renew_refresh_token: a new token, valid 30 days from now
        assert after[key].refresh_token != before[key].refresh_token
        assert before[key].refresh_token not in simulator.server.state.tokens.refresh
        assert after[key].refresh_expires_at == pytest.approx(time.time() + 30 * 86_400, abs=5)


def test_weibo_runs_on_its_authorised_token_and_its_expiry_is_posted_days_before(
    simulator: RunningSimulator, monkeypatch
):
    """Weibo gives web apps no refresh token: the authorised token serves the runs, and
    the robot is told days before it expires, naming the account and the command."""
    static = simulator.environ()
    monkeypatch.setenv("SOCIALMART_HASH_KEY", static["SOCIALMART_HASH_KEY"])
    expected = ingest(simulator, static, "weibo", DAY, "static").rows  # the oracle
    simulator.set_token_lifetimes({"weibo": {"access_seconds": 3 * 86_400}})
    robot = Receiver()
    robot.replies.append((200, {"errcode": 0, "errmsg": "ok"}))
    env = robot_env(simulator, robot)
    authorise_all(simulator, env, monkeypatch, "weibo")
    weibo = [a.account_id for a in simulator.world.accounts_of("weibo")]
    stored = CredentialStore(simulator.paths.credentials).read()
    for account_id in weibo:  # the expiry read back from get_token_info
        grant = stored[grant_key("weibo", account_id)]
        assert grant.expires_at == pytest.approx(time.time() + 3 * 86_400, abs=10)
        assert grant.refresh_token == ""

    result = ingest(simulator, env, "weibo", DAY, "authorised")
    assert result.rows == expected and sum(expected.values()) > 0

    lines = notify_expiring(simulator.paths, env)
    assert len(lines) == len(weibo) and len(robot.requests) == 1
    text = robot.requests[0][1]["markdown"]["content"]
    for account_id in weibo:
        assert (
            f"weibo account {account_id}: the access token (it cannot be refreshed) expires "
            "in 3.0 days" in text
        )
        assert f"python -m ingestion.credentials authorise weibo {account_id} --code" in text


def robot_env(sim: RunningSimulator, robot: Receiver) -> dict[str, str]:
    return {
        **sim.renewing_environ(),
        "SOCIALMART_ALERT_WEBHOOK_URL": f"{robot.url}/cgi-bin/webhook/send?key=k",
        "SOCIALMART_ALERT_WEBHOOK_KIND": "wecom",
    }


def test_the_shop_expiring_mid_run_completes_with_the_rotated_pair_stored(
    simulator: RunningSimulator, monkeypatch, capsys
):
    """抖店 (B.1): a token refused after it expired is refreshed into a new pair, the old
    refresh token dies, and the new one lives 14 days; the self-built app's own shop is
    authorised without a consent code."""
    env = {**simulator.renewing_environ(), "SOCIALMART_SHOP_CONCURRENCY": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    simulator.set_token_lifetimes({"shop": {"access_uses": 1}})
    (shop,) = simulator.world.accounts_of("shop")
    assert credentials.main(["authorise", "shop", shop.account_id]) == 0  # authorization_self
    store = CredentialStore(simulator.paths.credentials)
    first = store.read()[grant_key("shop", shop.account_id)]
    assert first.refresh_expires_at == pytest.approx(time.time() + 14 * DAYS, abs=5)

    result = ingest(simulator, env, "shop", SHOP_DAY, "r1")

    orders = simulator.world.orders_on(SHOP_DAY)
    assert result.rows == {"orders": len(orders)} and orders
    after = store.read()[grant_key("shop", shop.account_id)]
    assert after.refresh_token != first.refresh_token
    assert first.refresh_token not in simulator.server.state.tokens.refresh
    assert after.refresh_token in simulator.server.state.tokens.refresh
    assert after.refresh_expires_at == pytest.approx(time.time() + 14 * DAYS, abs=10)
    assert oct(simulator.paths.credentials.joinpath("tokens.json").stat().st_mode)[-3:] == "600"
    capsys.readouterr()
    assert credentials.main(["status"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("shop")]
    assert f"{shop.account_id}" in line and "stored grant" in line
    assert "(14.0 days left)" in line or "(13.9 days left)" in line
    assert after.access_token not in line and after.refresh_token not in line


def test_a_shop_refresh_token_due_is_refreshed_by_the_daily_check_instead_of_posted(
    simulator: RunningSimulator, monkeypatch
):
    robot = Receiver()
    robot.replies.append((200, {"errcode": 0, "errmsg": "ok"}))
    env = robot_env(simulator, robot)
    # a pair stored 11 days ago: its access token (7 days) has expired, its refresh token
    # (14 days, a lifetime no answer states) has 3 days left
    simulator.set_token_lifetimes({"shop": {"access_seconds": 0}})
    authorise_all(simulator, env, monkeypatch, "shop")
    simulator.set_token_lifetimes({"shop": {}})  # documented lifetimes from now on
    (shop,) = simulator.world.accounts_of("shop")
    store = CredentialStore(simulator.paths.credentials)
    key = grant_key("shop", shop.account_id)
    with store.locked() as grants:
        grants[key] = replace(grants[key], refresh_expires_at=time.time() + 3 * DAYS)
    before = store.read()[key]

    assert notify_expiring(simulator.paths, env) == []

    after = store.read()[key]
    assert robot.requests == []
    assert after.refresh_token != before.refresh_token
    assert after.refresh_expires_at == pytest.approx(time.time() + 14 * DAYS, abs=5)

    # a refresh token the platform no longer takes: the robot is told, days ahead
    del simulator.server.state.tokens.refresh[after.refresh_token]
    with store.locked() as grants:  # stored 10 days ago: 4 days left
        grants[key] = replace(after, refresh_expires_at=time.time() + 4 * DAYS)
    lines = notify_expiring(simulator.paths, env)
    assert lines == [
        f"shop account {shop.account_id}: the refresh token expires in 4.0 days "
        f"({lines[0].split('(')[1].split(')')[0]}); authorise it again: python -m "
        f"ingestion.credentials authorise shop {shop.account_id}"  # its own: no code
    ]
    assert len(robot.requests) == 1


def test_bilibili_says_its_refresh_lifetime_is_unpublished_and_checks_a_stale_grant(
    simulator: RunningSimulator, monkeypatch, capsys
):
    """No refresh-token lifetime is published for Bilibili: status says so, the daily check
    refreshes a grant last refreshed more than 14 days ago, and tells the robot when that
    refresh fails."""
    robot = Receiver()
    robot.replies.append((200, {"errcode": 0, "errmsg": "ok"}))
    env = robot_env(simulator, robot)
    authorise_all(simulator, env, monkeypatch, "bilibili")
    accounts = [a.account_id for a in simulator.world.accounts_of("bilibili")]
    store = CredentialStore(simulator.paths.credentials)
    capsys.readouterr()
    assert credentials.main(["status"]) == 0
    out = capsys.readouterr().out
    for account_id in accounts:
        line = next(line for line in out.splitlines() if account_id in line)
        assert "refresh lifetime not published; last refreshed" in line
        assert "(0.0 days ago)" in line

    def age_grants(days: float) -> None:
        with store.locked() as grants:
            for account_id in accounts:
                key = grant_key("bilibili", account_id)
                grants[key] = replace(grants[key], obtained_at=time.time() - days * DAYS)

    age_grants(13)  # not yet due: nothing refreshed, nothing posted
    before = store.read()
    assert notify_expiring(simulator.paths, env) == [] and store.read() == before

    age_grants(20)  # due: refreshed (rotated), nothing posted
    aged = store.read()
    assert notify_expiring(simulator.paths, env) == []
    for account_id in accounts:
        renewed = store.read()[grant_key("bilibili", account_id)]
        assert renewed.refresh_token != aged[grant_key("bilibili", account_id)].refresh_token
        assert renewed.obtained_at == pytest.approx(time.time(), abs=5)
    assert robot.requests == []

    age_grants(20)  # due, and the platform refuses the refresh token: posted
    simulator.server.state.tokens.refresh.clear()
    lines = notify_expiring(simulator.paths, env)
    assert len(lines) == len(accounts) and len(robot.requests) == 1
    for account_id, line in zip(accounts, lines, strict=True):
        assert line.startswith(
            f"bilibili account {account_id}: no refresh-token lifetime is published and the "
            "grant was last refreshed 20.0 days ago"
        )


def test_a_douyin_refresh_token_the_platform_will_not_extend_is_posted(
    simulator: RunningSimulator, monkeypatch
):
    robot = Receiver()
    robot.replies.append((200, {"errcode": 0, "errmsg": "ok"}))
    simulator.set_token_lifetimes({"douyin": {"refresh_seconds": 3 * DAYS}})
    env = robot_env(simulator, robot)
    authorise_all(simulator, env, monkeypatch, "douyin")
    simulator.server.state.tokens.refresh.clear()  # 10010: renew_refresh_token refused

    lines = notify_expiring(simulator.paths, env)

    accounts = [a.account_id for a in simulator.world.accounts_of("douyin")]
    assert [line.split(":")[0] for line in lines] == [f"douyin account {a}" for a in accounts]
    assert all("the refresh token expires in 3.0 days" in line for line in lines)
    assert len(robot.requests) == 1
