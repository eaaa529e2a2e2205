"""Daily business-date partitions in Asia/Shanghai and the helpers that read a run's window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import dagster as dg
import duckdb

PARTITIONS_START = "2026-01-01"
TIMEZONE = "Asia/Shanghai"
daily_partitions = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone=TIMEZONE)
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"
BACKFILL_TAG = "dagster/backfill"


def days_between(start: date, end: date) -> list[date]:
    """Every date from start to end, both included."""
    if end < start:
        raise ValueError(f"window ends ({end}) before it starts ({start})")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def window_from_keys(first_key: str, last_key: str) -> tuple[date, date]:
    return date.fromisoformat(first_key), date.fromisoformat(last_key)


def window_from_tags(tags: Mapping[str, str]) -> tuple[date, date] | None:
    """The business-date window a run targets, read from its partition tags."""
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return window_from_keys(tags[RANGE_START_TAG], tags[RANGE_END_TAG])
    if PARTITION_TAG in tags:
        return window_from_keys(tags[PARTITION_TAG], tags[PARTITION_TAG])
    return None


# The window reaches dbt as this one-row table, written just before dbt starts and read by
# its macros while executing (dbt_project/macros/incremental.sql run_dates). As --vars it
# would change dbt's saved parse, and each run would re-parse the whole project.
DBT_WINDOW_TABLE = "main.dbt_run_window"


def write_dbt_window(con: duckdb.DuckDBPyConnection, window: tuple[date, date] | None) -> None:
    """The window (inclusive dates) the next dbt command on this warehouse builds; None: no
    window, every date (dbt drops the table when its run ends)."""
    con.execute(f"drop table if exists {DBT_WINDOW_TABLE}")
    if window:
        start, end = window
        con.execute(
            f"create table {DBT_WINDOW_TABLE} as select ?::date as start_date, ?::date as end_date",
            [start.isoformat(), end.isoformat()],
        )


def range_tags(start: date, end: date) -> dict[str, str]:
    """Tags that make one run cover a whole range of daily partitions."""
    return {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}


def run_start(start: date, end: date, tags: Mapping[str, str], lookback_days: int) -> date:
    """The first day a run fetches and builds: a daily run (one partition, not part of a
    backfill) also takes the ``lookback_days`` before its day, which platforms revise; a
    backfill takes exactly its range."""
    if lookback_days and start == end and BACKFILL_TAG not in tags:
        return start - timedelta(days=lookback_days)
    return start
