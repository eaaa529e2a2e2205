"""The preflight: every mistake in accounts, credentials and settings listed at once, and a
run with one fails in seconds without being retried."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from devtools.simulator.harness import RunningSimulator, start_simulator
from ingestion import preflight
from ingestion.accounts import read_accounts, token_env_names
from ingestion.errors import AccountsError, ConfigError, PreflightError, TransportError
from ingestion.platforms import PLATFORMS
from ingestion.settings import Paths
from orchestration.ingestion_assets import config_errors_fail_at_once
from orchestration.runs import ingestion_keys, run_pipeline

HEADER = "platform,account_id,account_name,role\n"
KEY = {"SOCIALMART_HASH_KEY": "a-secret-of-16-chars"}
VALID_KEYS = ", ".join(sorted(PLATFORMS))
DAY = date(2026, 11, 20)


def home(tmp_path: Path, rows: str) -> Paths:
    paths = Paths(tmp_path)
    paths.accounts.write_text(HEADER + rows, encoding="utf-8")
    return paths


def problems(paths: Paths, environ: dict[str, str] | None = None) -> list[str]:
    return [str(p) for p in preflight.check(paths, {**KEY, **(environ or {})})]


def test_a_good_registry_with_its_tokens_passes(tmp_path: Path):
    paths = home(tmp_path, "douyin,o1,官方,主号\nxiaohongshu,x1,官方,主号\nwecom,corp,企业微信,\n")
    env = {"SOCIALMART_DOUYIN_TOKEN_O1": "t", "SOCIALMART_WECOM_TOKEN": "t"}
    assert problems(paths, env) == []
    assert [a.account_id for a in preflight.require(paths, {**KEY, **env})] == ["o1", "x1", "corp"]


def test_an_unquoted_comma_is_named_and_not_taken_for_a_role(tmp_path: Path):
    paths = home(tmp_path, "douyin,o1,官方,旗舰店,主号\n")
    (found,) = problems(paths, {"SOCIALMART_DOUYIN_TOKEN": "t"})
    assert found.startswith(f"{paths.accounts} row 2: 5 values where the header has 4")
    assert "unquoted comma" in found
    assert 'douyin,o1,"官方,旗舰店",主号' in found  # the row as it should be written
    assert "not a role" not in found


def test_a_row_with_too_few_values_is_named(tmp_path: Path):
    (found,) = problems(home(tmp_path, "wecom,corp,企业微信\n"), {"SOCIALMART_WECOM_TOKEN": "t"})
    assert "row 2: 3 values where the header has 4" in found
    assert "ends with a comma" in found


def test_missing_tokens_name_every_account_and_the_variables(tmp_path: Path):
    rows = "douyin,o1,官方,主号\ndouyin,o-2,门店,辅助号\nxiaohongshu,x1,官方,主号\n"
    paths = home(tmp_path, rows)
    found = problems(paths)
    assert found == [
        f"{paths.accounts} row 2, account_id: no token for douyin account o1: "
        "set SOCIALMART_DOUYIN_TOKEN_O1 or SOCIALMART_DOUYIN_TOKEN, or authorise the account "
        "(with SOCIALMART_DOUYIN_CLIENT_KEY and SOCIALMART_DOUYIN_CLIENT_SECRET set): "
        "python -m ingestion.credentials authorise douyin o1 "
        "--code <code from the platform's consent page>",
        f"{paths.accounts} row 3, account_id: no token for douyin account o-2: "
        "set SOCIALMART_DOUYIN_TOKEN_O_2 or SOCIALMART_DOUYIN_TOKEN, or authorise the account "
        "(with SOCIALMART_DOUYIN_CLIENT_KEY and SOCIALMART_DOUYIN_CLIENT_SECRET set): "
        "python -m ingestion.credentials authorise douyin o-2 "
        "--code <code from the platform's consent page>",
    ]  # xiaohongshu delivers export files: no token
    assert problems(paths, {"SOCIALMART_DOUYIN_TOKEN": "shared"}) == []
    own = {"SOCIALMART_DOUYIN_TOKEN_O1": "a", "SOCIALMART_DOUYIN_TOKEN_O_2": "b"}
    assert problems(paths, own) == []
    assert problems(paths, {"SOCIALMART_DOUYIN_TOKEN": "  "})  # blank is no token


@pytest.mark.parametrize(
    ("written", "meant"),
    [("tiktok", None), ("Douyin", "douyin"), ("小红书", "xiaohongshu"), ("B站", "bilibili")],
)
def test_an_unknown_platform_lists_the_valid_keys(tmp_path: Path, written: str, meant: str | None):
    (found,) = problems(home(tmp_path, f"{written},a1,官方,主号\n"))
    hint = f" (did you mean {meant}?)" if meant else ""
    assert found.endswith(
        f"row 2, platform: {written!r} is not a platform key{hint}; valid keys: {VALID_KEYS}"
    )


def test_a_duplicate_row_names_both_rows(tmp_path: Path):
    paths = home(tmp_path, "douyin,o1,官方,主号\ndouyin,o2,门店,辅助号\ndouyin,o1,官方二,知识号\n")
    (found,) = problems(paths, {"SOCIALMART_DOUYIN_TOKEN": "t"})
    assert found == (
        f"{paths.accounts} row 4, account_id: douyin account o1 is listed twice, on rows 2 and 4: "
        "keep one row per account"
    )
    with pytest.raises(AccountsError, match="listed twice, on rows 2 and 4"):
        read_accounts(paths.accounts)


def test_every_problem_of_a_file_and_the_settings_is_listed_at_once(tmp_path: Path):
    paths = home(
        tmp_path,
        "douyin,o1,官方,主号\n"
        "douyin,o2,官方,旗舰店,主号\n"  # 3: unquoted comma
        "tiktok,t1,官方,主号\n"  # 4: unknown platform
        "weibo,,官方,主号\n"  # 5: empty account id
        "bilibili,b1,官方,老板\n"  # 6: bad role
        "douyin,o1,官方,主号\n"  # 7: duplicate of row 2
        "kuaishou,k1,官方,主号\n",  # 8: no token
    )
    env = {
        "SOCIALMART_DOUYIN_TOKEN": "t",
        "SOCIALMART_HASH_KEY": "short",
        "SOCIALMART_WEIBO_BASE_URL": "api.weibo.com",
        "SOCIALMART_DOUYIN_RATE_LIMIT": "fast",
        "SOCIALMART_KUAISHOU_CONCURRENCY": "0",
        "SOCIALMART_KUAISHOU_BACKOFF": "-1",
        "SOCIALMART_DUCKDB_MEMORY_LIMIT": "4",
        "SOCIALMART_ALERT_WEBHOOK_URL": "qyapi.weixin.qq.com/cgi-bin/webhook/send",
    }
    with pytest.raises(PreflightError) as raised:
        preflight.require(paths, env)
    lines = str(raised.value).splitlines()
    assert lines[0] == "13 configuration problem(s) found by the preflight; nothing was fetched:"
    expected = [
        "row 3: 5 values where the header has 4",
        "row 4, platform: 'tiktok' is not a platform key",
        "row 5: account_id is empty",
        "row 6, role: '老板' is not a role; valid roles: 主号, 辅助号, 知识号",
        "row 7, account_id: douyin account o1 is listed twice, on rows 2 and 7",
        "row 8, account_id: no token for kuaishou account k1",
        "SOCIALMART_WEIBO_BASE_URL: 'api.weibo.com' is not an http(s) URL",
        "SOCIALMART_DOUYIN_RATE_LIMIT: 'fast' is not valid",
        "SOCIALMART_KUAISHOU_CONCURRENCY: '0' is not valid",
        "SOCIALMART_KUAISHOU_BACKOFF: '-1' is not valid",
        "SOCIALMART_HASH_KEY: SOCIALMART_HASH_KEY must hold a secret of at least 16 characters",
        "SOCIALMART_DUCKDB_MEMORY_LIMIT: '4' is not a DuckDB memory limit",
        "SOCIALMART_ALERT_WEBHOOK_URL: 'qyapi.weixin.qq.com/cgi-bin/webhook/send' is not",
    ]
    assert len(lines[1:]) == len(expected)
    for part in expected:
        assert any(part in line for line in lines[1:]), part
    # read_accounts is as strict, through the same parser: the five row problems, all at once
    with pytest.raises(AccountsError) as strict:
        read_accounts(paths.accounts)
    assert [p.row for p in strict.value.problems] == [3, 4, 5, 6, 7]


def test_settings_in_range_pass(tmp_path: Path):
    env = {
        "SOCIALMART_DOUYIN_BASE_URL": "http://127.0.0.1:8080",
        "SOCIALMART_DOUYIN_RATE_LIMIT": "0",
        "SOCIALMART_DOUYIN_CONCURRENCY": "8",
        "SOCIALMART_DOUYIN_TIMEOUT": "2.5",
        "SOCIALMART_DOUYIN_BACKOFF": "0",
        "SOCIALMART_DUCKDB_MEMORY_LIMIT": "512MB",
        "SOCIALMART_ALERT_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    }
    assert problems(home(tmp_path, ""), env) == []


def test_a_missing_or_unreadable_registry(tmp_path: Path):
    (missing,) = problems(Paths(tmp_path / "nowhere"))
    assert "accounts.csv: the account registry does not exist" in missing
    paths = Paths(tmp_path)
    paths.accounts.write_bytes((HEADER + "douyin,o1,官方,主号\n").encode("gbk"))
    (gbk,) = problems(paths)
    assert "not UTF-8" in gbk and "CSV UTF-8" in gbk
    paths.accounts.write_text("platform;account_id;account_name;role\n", encoding="utf-8")
    (header,) = problems(paths)
    assert "row 1: missing column(s) platform, account_id, account_name, role" in header


def test_the_command_exits_2_with_the_list_and_0_with_a_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    paths = home(tmp_path, "Douyin,o1,官方,主号\ndouyin,o2,官方,主号\n")
    for name in [n for n in os.environ if n.startswith("SOCIALMART_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SOCIALMART_HASH_KEY", KEY["SOCIALMART_HASH_KEY"])
    assert preflight.main(["--home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "row 2, platform: 'Douyin' is not a platform key (did you mean douyin?)" in err
    assert "row 3, account_id: no token for douyin account o2" in err
    paths.accounts.write_text(HEADER + "douyin,o2,官方,主号\n", encoding="utf-8")
    monkeypatch.setenv(token_env_names("douyin", "o2")[0], "t")
    assert preflight.main(["--home", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"preflight OK: {paths.accounts}: 1 account(s)")


def test_a_config_error_during_ingestion_is_not_retried():
    with pytest.raises(dg.Failure) as failed, config_errors_fail_at_once():
        raise ConfigError("no token for douyin account o1")
    assert failed.value.allow_retries is False
    assert failed.value.description == "no token for douyin account o1"
    with pytest.raises(TransportError), config_errors_fail_at_once():
        raise TransportError("connection reset")  # an outage: left to the RetryPolicy


# --- the first step of every run ------------------------------------------------------------


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    running = start_simulator(
        tmp_path_factory.mktemp("preflight") / "home",
        today=DAY + timedelta(days=1),  # the morning after: DAY is served
        scale="tiny",
        history_start=date(2026, 10, 1),
    )
    yield running
    running.stop()


MISTAKES = ["unquoted comma", "missing tokens", "unknown platforms", "duplicate row", "all"]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_run_with_a_configuration_error_fails_in_seconds_without_retries(
    sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch, mistake: str
):
    registry = sim.paths.accounts.read_text(encoding="utf-8")
    rows = registry.splitlines()
    first = rows[1]  # the world's first account
    env = sim.environ()
    douyin = [a.account_id for a in sim.world.accounts_of("douyin")][:2]
    added: list[str] = []
    expected: list[str] = []
    if mistake in ("unquoted comma", "all"):
        added.append("douyin,extra1,官方,旗舰店,主号")
        expected.append(f"row {len(rows) + len(added)}: 5 values where the header has 4")
    if mistake in ("unknown platforms", "all"):
        for written, hint in [("tiktok", ""), ("Douyin", "douyin"), ("小红书", "xiaohongshu")]:
            added.append(f"{written},x{len(added)},官方,主号")
            said = f"{written!r} is not a platform key"
            said += f" (did you mean {hint}?)" if hint else ""
            expected.append(f"row {len(rows) + len(added)}, platform: {said}; valid keys: ")
    if mistake in ("duplicate row", "all"):
        added.append(first)
        expected.append(f"listed twice, on rows 2 and {len(rows) + len(added)}")
    if mistake in ("missing tokens", "all"):
        for account_id in douyin:
            del env[token_env_names("douyin", account_id)[0]]
            expected.append(f"no token for douyin account {account_id}: set ")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SOCIALMART_DOUYIN_TOKEN", raising=False)  # no platform-wide fallback
    sim.paths.accounts.write_text("\n".join([*rows, *added]) + "\n", encoding="utf-8")
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            started = time.monotonic()
            result = run_pipeline(
                instance, DAY, asset_selection=ingestion_keys(), raise_on_error=False
            )
            seconds = time.monotonic() - started
    finally:
        sim.paths.accounts.write_text(registry, encoding="utf-8")

    print(f"\n{mistake}: the run failed after {seconds:.2f} s")
    assert not result.success
    types = [e.event_type_value for e in result.all_events]
    assert types.count("STEP_UP_FOR_RETRY") == 0 and types.count("STEP_RESTARTED") == 0
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    # every platform's step and the registry's fail at once, each listing every problem
    steps = {f"ingest_{key}" for key in PLATFORMS} | {"raw__registry__accounts"}
    assert {e.step_key for e in failures} == steps
    for failure in failures:
        description = failure.event_specific_data.user_failure_data.description
        listed = description.splitlines()[1:]
        assert len(listed) == len(expected), description
        for part in expected:
            assert any(part in line for line in listed), (part, description)
    assert not list(sim.paths.landing.rglob("*.jsonl*")), "nothing is fetched"
    assert seconds < 10
