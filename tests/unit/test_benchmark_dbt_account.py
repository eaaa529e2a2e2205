"""The benchmark's account of a dbt command, read from dbt's own log, saved parse and run
results."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from devtools.benchmark import dbt_account

EARLIER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def event(ts: str, msg: str) -> str:
    """One line of dbt.log in the JSON format dbt writes under Dagster."""
    return json.dumps({"data": {}, "info": {"ts": f"2026-12-02T{ts}Z", "msg": msg}}) + "\n"


def saved_parse(target: Path, at: datetime) -> None:
    path = target / "partial_parse.msgpack"
    path.write_bytes(b"\x00")
    os.utime(path, (at.timestamp(), at.timestamp()))


def test_a_full_parse_gives_dbts_reason_and_reads_past_the_logs_rotation(tmp_path: Path):
    # the command began in the file dbt has since rotated; an earlier command is left out
    (tmp_path / "dbt.log.1").write_text(
        event("09:00:00.000000", "Running with dbt=1.11.16")
        + event("09:00:01.000000", "Unable to do partial parsing because of a version mismatch")
        + event("10:00:00.000000", "Running with dbt=1.11.16")
        + event("10:00:01.000000", "Unable to do partial parsing because profile has changed")
    )
    (tmp_path / "dbt.log").write_text(event("10:00:20.500000", "Found 73 models, 163 data tests"))
    saved_parse(tmp_path, datetime(2026, 12, 2, 10, 0, 21, tzinfo=UTC))  # rewritten
    assert dbt_account(tmp_path, SINCE) == {
        "parse": "full: profile has changed",
        "parse_seconds": 20.5,
    }


def test_a_saved_parse_left_as_it_was_is_a_skipped_parse(tmp_path: Path):
    (tmp_path / "dbt.log").write_text(
        event("10:00:00.000000", "Running with dbt=1.11.16")
        + event("10:00:02.250000", "Found 73 models, 163 data tests")
    )
    saved_parse(tmp_path, EARLIER)
    assert dbt_account(tmp_path, SINCE) == {"parse": "skipped", "parse_seconds": 2.25}


def test_a_partial_parse_names_the_files_and_the_results_are_summed_by_kind(tmp_path: Path):
    (tmp_path / "dbt.log").write_text(
        event("10:00:00.000000", "Running with dbt=1.11.16")
        + event(
            "10:00:00.100000",
            "Partial parsing enabled: 0 files deleted, 0 files added, 1 files changed.",
        )
        + event("10:00:00.200000", "Partial parsing: updated file: socialmart://models/a.sql")
        + event("10:00:03.000000", "Found 73 models")
    )
    saved_parse(tmp_path, datetime(2026, 12, 2, 10, 0, 3, tzinfo=UTC))
    results = [("model.p.a", 2.0), ("model.p.b", 1.5), ("test.p.t", 0.3), ("unit_test.p.a.u", 1.0)]
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "elapsed_time": 4.04,
                "results": [{"unique_id": u, "execution_time": t} for u, t in results],
            }
        )
    )
    account = dbt_account(tmp_path, SINCE)
    assert account["parse"] == (
        "partial: 0 files deleted, 0 files added, 1 files changed; socialmart://models/a.sql"
    )
    assert account["parse_seconds"] == 3.0
    assert account["seconds"] == 4.0
    assert account["nodes"] == {"model": [2, 3.5], "test": [1, 0.3], "unit_test": [1, 1.0]}
    assert account["slowest"][0] == ["model.p.a", 2.0]
