"""Running the pipeline in-process for a day or a range: used by the demo and the tests."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.ingestion_assets import erasure_requests, platform_assets
from orchestration.partitions import range_tags


def ingestion_keys() -> list[dg.AssetKey]:
    return [key for a in [*platform_assets, erasure_requests] for key in a.keys]


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
