"""One account's token refused on the simulator: the platform's other accounts load, the
refused account keeps the day raw holds, and the step then fails naming the account and
what to do (ingestion/platforms/base.py ``each_account``), without retries."""

from __future__ import annotations

from collections import Counter

import dagster as dg
import duckdb

from devtools.simulator.harness import RunningSimulator
from ingestion.accounts import read_accounts, token_env_names
from orchestration.ingestion_assets import platform_assets, raw_key
from orchestration.resources import SocialmartSettings, Warehouse
from tests.helpers import DAY

DOUYIN = next(a for a in platform_assets if raw_key("douyin", "fans_daily") in a.keys)


def run(sim: RunningSimulator) -> dg.ExecuteInProcessResult:
    settings = SocialmartSettings(home=str(sim.paths.home))
    return dg.materialize(
        [DOUYIN],
        partition_key=DAY.isoformat(),
        resources={"settings": settings, "warehouse": Warehouse(settings=settings)},
        raise_on_error=False,
    )


def fans_runs(sim: RunningSimulator) -> dict[str, str]:
    """Each account's fans row of DAY in raw, by the run that loaded it."""
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select record ->> 'open_id', _run_id from raw.douyin__fans_daily "
            "where business_date = ?",
            [DAY],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == len({account for account, _ in rows})  # one row per account
    return dict(rows)


def test_a_refused_account_fails_the_step_after_the_others_loaded(
    simulator: RunningSimulator, sim_env: dict[str, str], monkeypatch
):
    for name, value in sim_env.items():
        monkeypatch.setenv(name, value)
    accounts = [a for a in read_accounts(simulator.paths.accounts) if a.platform == "douyin"]
    assert len(accounts) >= 2
    first = run(simulator)
    assert first.success
    loaded = fans_runs(simulator)
    assert set(loaded) == {a.account_id for a in accounts}

    refused = accounts[-1].account_id
    monkeypatch.setenv(token_env_names("douyin", refused)[0], "revoked")
    second = run(simulator)
    assert not second.success
    (failure,) = second.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert f"douyin account {refused}: refused" in message and "2190008" in message
    assert "authorise douyin" in message
    # no retry: a person must act (the step ran once)
    assert Counter(e.event_type_value for e in second.all_events)["STEP_START"] == 1
    # the others loaded in the second run; the refused account kept its first-run row
    after = fans_runs(simulator)
    assert after[refused] == loaded[refused] == first.run_id
    assert {after[a.account_id] for a in accounts if a.account_id != refused} == {second.run_id}
