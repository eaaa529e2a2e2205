"""Weibo's hourly quota against the simulator: the calls of one clock hour are counted
across runs (the schedule and a backfill share them), and a rate-limit code on one account
defers that account only, keeping the others' rows of the same run."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from devtools.simulator.harness import RunningSimulator
from ingestion.settings import SHANGHAI
from tests.helpers import ingest, raw_field

DAY = date(2026, 11, 20)  # the simulator's yesterday
# 09:00 Beijing on the simulator's today: the clock hour of the tests' first runs
NINE = datetime(2026, 11, 21, 9, tzinfo=SHANGHAI).timestamp()


def weibo_day(sim: RunningSimulator, env: dict, run_id: str, hour: int, per_user: int = 150):
    """One run of the day ``hour`` hours after 09:00, and the calls it made per account."""
    before = len(sim.requests())

    def tune(source) -> None:
        source.ledger.clock = lambda: NINE + hour * 3600 + 600
        source.calls_per_user_hour = per_user

    result = ingest(sim, env, "weibo", DAY, run_id, tune)
    accounts = sim.world.accounts_of("weibo")
    tokens = {sim.world.token("weibo", a.account_id): a.account_id for a in accounts}
    calls = Counter(tokens[r["access_token"]] for r in sim.requests()[before:])
    return result, calls


def statuses_in_raw(sim: RunningSimulator) -> Counter:
    return Counter(raw_field(sim, "weibo", "statuses", "account_id", DAY))


def test_two_runs_in_one_hour_share_the_hours_calls(simulator: RunningSimulator, sim_env):
    full, needed = weibo_day(simulator, sim_env, "r1", hour=0)
    assert not full.skipped_items and set(needed) == {
        a.account_id for a in simulator.world.accounts_of("weibo")
    }
    loaded = statuses_in_raw(simulator)
    # a user quota just big enough for the first run: the busiest account has nothing left
    quota = max(needed.values())
    busiest = max(needed, key=needed.__getitem__)
    first, _ = weibo_day(simulator, sim_env, "r2", hour=1, per_user=quota)
    assert not first.skipped_items
    second, calls = weibo_day(simulator, sim_env, "r3", hour=1, per_user=quota)
    assert calls[busiest] == 0  # its 'quota' calls of the hour were made by the first run
    for account, n in needed.items():
        assert calls[account] <= quota - n
    assert any(
        r.startswith(
            f"weibo account {busiest}: deferred before its timeline: its share of "
            "this hour's calls is spent"
        )
        and r.endswith("resumes with the first run after 2026-11-21 11:00 Beijing time")
        for r in second.skipped_items
    )
    assert statuses_in_raw(simulator) == loaded  # the deferred account keeps its day
    third, calls = weibo_day(simulator, sim_env, "r4", hour=2, per_user=quota)
    assert calls == needed and not third.skipped_items  # the next hour resumes


def test_a_rate_limit_on_one_account_keeps_the_others(simulator: RunningSimulator, sim_env):
    limited, other = (a.account_id for a in simulator.world.accounts_of("weibo"))
    simulator.set_faults({"weibo": {"weibo_codes": {limited: 10023}}})
    result, calls = weibo_day(simulator, sim_env, "r1", hour=0)
    assert calls[limited] == 1  # refused once, never retried
    assert set(statuses_in_raw(simulator)) == {other}
    (reason,) = result.skipped_items
    assert reason.startswith(
        f"weibo account {limited}: deferred before its timeline: rate limit 10023 of this "
        "user's calls"
    )
    # the same hour does not ask again; the next hour, its limit lifted, loads it
    _, calls = weibo_day(simulator, sim_env, "r2", hour=0)
    assert calls[limited] == 0
    simulator.set_faults({})
    _, calls = weibo_day(simulator, sim_env, "r3", hour=1)
    assert calls[limited] > 1 and set(statuses_in_raw(simulator)) == {limited, other}
