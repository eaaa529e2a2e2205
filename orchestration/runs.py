"""Running the pipeline in-process for a day or a range: used by the demo and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dagster as dg

from orchestration.definitions import defs
from orchestration.ingestion_assets import platform_assets
from orchestration.partitions import range_tags


def ingestion_keys() -> list[dg.AssetKey]:
    return [key for a in platform_assets for key in a.keys]


def run_pipeline(
    instance: dg.DagsterInstance,
    start: date,
    end: date | None = None,
    *,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run of the daily pipeline over ``start``..``end`` (one day when end is None)."""
    job = defs.resolve_job_def("daily_pipeline")
    end = end or start
    kwargs: dict = {
        "instance": instance,
        "raise_on_error": raise_on_error,
        "asset_selection": list(asset_selection) if asset_selection else None,
    }
    if start == end:
        return job.execute_in_process(partition_key=start.isoformat(), **kwargs)
    return job.execute_in_process(tags=range_tags(start, end), **kwargs)
