"""The benchmark's account of a dbt command, read from dbt's own log and run results."""

from __future__ import annotations

import json
from pathlib import Path

from devtools.benchmark import dbt_account, log_size


def event(ts: str, msg: str) -> str:
    """One line of dbt.log in the JSON format dbt writes under Dagster."""
    return json.dumps({"data": {}, "info": {"ts": f"2026-12-02T{ts}Z", "msg": msg}}) + "\n"


def test_each_command_is_read_from_where_the_log_stood_before_it(tmp_path: Path):
    log = tmp_path / "dbt.log"
    log.write_text(
        event("10:00:00.000000", "Running with dbt=1.11.16")
        + event("10:00:01.000000", "Unable to do partial parsing because profile has changed")
        + event("10:00:20.500000", "Found 73 models, 163 data tests")
    )
    assert dbt_account(tmp_path, 0) == {
        "parse": "full: profile has changed",
        "parse_seconds": 20.5,
    }
    before = log_size(tmp_path)
    with log.open("a") as f:
        f.write(event("11:00:00.000000", "Running with dbt=1.11.16"))
        f.write(
            event("11:00:00.500000", "Partial parsing enabled, no changes found, skipping parsing")
        )
        f.write(event("11:00:02.250000", "Found 73 models, 163 data tests"))
    assert dbt_account(tmp_path, before)["parse"] == "skipped"
    assert dbt_account(tmp_path, before)["parse_seconds"] == 2.25


def test_a_partial_parse_names_the_files_and_the_results_are_summed_by_kind(tmp_path: Path):
    (tmp_path / "dbt.log").write_text(
        "\x1b[0m12:00:00.000000 [info ] [MainThread]: Running with dbt=1.11.16\n"
        "\x1b[0m12:00:00.100000 [debug] [MainThread]: Partial parsing enabled: "
        "0 files deleted, 0 files added, 1 files changed.\n"
        "\x1b[0m12:00:00.200000 [debug] [MainThread]: Partial parsing: updated file: "
        "socialmart://models/a.sql\n"
        "\x1b[0m12:00:03.000000 [info ] [MainThread]: Found 73 models\n"
    )
    results = [("model.p.a", 2.0), ("model.p.b", 1.5), ("test.p.t", 0.3), ("unit_test.p.a.u", 1.0)]
    (tmp_path / "run_results.json").write_text(
        json.dumps({"results": [{"unique_id": u, "execution_time": t} for u, t in results]})
    )
    account = dbt_account(tmp_path, 0)
    assert account["parse"] == (
        "partial: 0 files deleted, 0 files added, 1 files changed; socialmart://models/a.sql"
    )
    assert account["parse_seconds"] == 3.0
    assert account["nodes"] == {"model": [2, 3.5], "test": [1, 0.3], "unit_test": [1, 1.0]}
    assert account["slowest"][0] == ["model.p.a", 2.0]
