"""Whether the blocking checks let a run publish: judged on the run's own results, and on
every earlier failure whose days have not passed since.

Write-audit-publish keeps a failed day's rows in the warehouse (the next run rebuilds on
them); only the served file is held back. A later run that validates other days would
publish those rows too unless a failure stays in force until its days pass again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as CheckStatus,
)

from orchestration.partitions import days_between, window_from_tags

# a planned record (a queued or running run's) is not a result
COMPLETED = {CheckStatus.SUCCEEDED, CheckStatus.FAILED}
HISTORY = 200  # completed results read per check, newest first


@dataclass(frozen=True)
class CheckResult:
    run_id: str
    passed: bool
    days: frozenset[date] | None  # the business dates it judged; None: the whole table

    def describe_days(self) -> str:
        if self.days is None:
            return "the whole table"
        first, last = min(self.days), max(self.days)
        return str(first) if first == last else f"{first}..{last}"


def unrepaired_failure(history: Sequence[CheckResult], run_id: str) -> CheckResult | None:
    """The newest failure of another run whose days have not all passed since.

    ``history`` is newest first. A pass covers its days for every older failure; a pass
    on the whole table covers everything before it. This run's own failures are reported
    by the caller, so they are skipped here (its passes still cover).
    """
    covered: set[date] = set()
    for result in history:
        if result.passed:
            if result.days is None:
                return None
            covered |= result.days
        elif result.run_id != run_id and (result.days is None or not result.days <= covered):
            return result
    return None


def failed_gates(
    instance: dg.DagsterInstance,
    run_id: str,
    built: set[dg.AssetKey],
    gating: Sequence[dg.AssetCheckKey],
) -> list[str]:
    """The blocking checks that stop this run's publish, each with why.

    A check on an asset this run built must have run in this run and passed: the run's own
    events say so, never the instance's "latest" record, which can be the PLANNED record
    of a run queued behind this one. And no earlier failure may stand whose days have not
    passed since, in this run or another (a failed day's rows are still in the warehouse).
    """
    own: dict[dg.AssetCheckKey, bool] = {}
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records:
        data = record.event_log_entry.dagster_event.asset_check_evaluation_data
        own[data.asset_check_key] = data.passed  # in storage order: a retried step's last wins
    windows: dict[str, frozenset[date] | None] = {}
    problems = []
    for key in gating:
        name = key.to_user_string()
        if key in own and not own[key]:
            problems.append(f"{name}: failed")
        elif key not in own and key.asset_key in built:
            problems.append(f"{name}: did not run in this run")
        history = [
            CheckResult(
                r.run_id, r.status == CheckStatus.SUCCEEDED, _days(instance, r.run_id, windows)
            )
            for r in instance.event_log_storage.get_asset_check_execution_history(
                key, limit=HISTORY, status=COMPLETED
            )
        ]
        failure = unrepaired_failure(history, run_id)
        if failure is not None:
            problems.append(
                f"{name}: failed on {failure.describe_days()} in run {failure.run_id or '?'} "
                "and has not passed on those days since (rerun them)"
            )
    return problems


def _days(
    instance: dg.DagsterInstance, run_id: str, cache: dict[str, frozenset[date] | None]
) -> frozenset[date] | None:
    if run_id not in cache:
        run = instance.get_run_by_id(run_id) if run_id else None
        window = window_from_tags(run.tags) if run is not None else None
        cache[run_id] = frozenset(days_between(*window)) if window else None
    return cache[run_id]
