"""Running the pipeline in-process for a day or a range: used by the demo and the tests."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.ingestion_assets import account_registry, erasure_requests, platform_assets
from orchestration.partitions import range_tags


def ingestion_keys() -> list[dg.AssetKey]:
    return [key for a in [*platform_assets, account_registry, erasure_requests] for key in a.keys]


def run_pipeline(
    instance: dg.DagsterInstance,
    start: date,
    end: date | None = None,
    *,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    raise_on_error: bool = True,
    log_level: str = "WARNING",
) -> dg.ExecuteInProcessResult:
    """One run of the daily pipeline over ``start``..``end`` (one day when end is None)."""
    job = defs.resolve_job_def("daily_pipeline")
    end = end or start
    kwargs: dict = {
        "instance": instance,
        "raise_on_error": raise_on_error,
        "asset_selection": list(asset_selection) if asset_selection else None,
        # Step-by-step DEBUG lines go to the instance's event log, not the terminal.
        "run_config": {"loggers": {"console": {"config": {"log_level": log_level}}}},
    }
    if start == end:
        return job.execute_in_process(partition_key=start.isoformat(), **kwargs)
    return job.execute_in_process(tags=range_tags(start, end), **kwargs)


def prepare_dagster_home(home: Path) -> Path:
    """DAGSTER_HOME under the socialmart home, with the instance settings of this repo."""
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("dagster.yaml"), dagster_home / "dagster.yaml")
    return dagster_home


def release_killed_run(instance: dg.DagsterInstance, run_id: str) -> None:
    """Mark a run whose process was killed as failed and free the DuckDB pool slot it held.

    A killed run cannot say it ended: it stays "started" and keeps its slot, so the next
    writer would wait for it forever. The daemon's run monitoring does this after a crash
    (``free_slots_after_run_end_seconds`` in dagster.yaml); this is the same by hand, for
    runs started outside the daemon (the CLI).
    """
    run = instance.get_run_by_id(run_id)
    if run is None:
        raise ValueError(f"no run {run_id} in this Dagster instance")
    if not run.is_finished:
        instance.report_run_failed(run, message="the run's process was killed")
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
