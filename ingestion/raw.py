"""Loading landed pages into DuckDB schema ``raw``: one table per platform entity.

Each table is ``raw.<platform>__<entity>(business_date, record JSON, _ingested_at, _run_id,
_source)``. The record is the platform's item as received, unknown fields included; typing
happens in dbt staging. A day is replaced as a whole inside one transaction: a rerun never
duplicates and a failed load never leaves half a day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

RAW_COLUMNS = """
    business_date date not null,
    record json not null,
    _ingested_at timestamp with time zone not null,
    _run_id varchar not null,
    _source varchar not null
"""


def table_name(platform: str, entity: str) -> str:
    return f"raw.{platform}__{entity}"


def load_day(
    con: duckdb.DuckDBPyConnection,
    platform: str,
    entities: Iterable[str],
    day: date,
    records: dict[str, list[tuple[str, dict[str, Any]]]],
    run_id: str,
) -> dict[str, int]:
    """Replace ``day`` in every entity table of the platform; return rows loaded per entity.

    ``records`` maps entity to ``(source, record)`` pairs; an entity with no records still
    has its day cleared, so a rerun that finds less data does not keep stale rows.
    """
    now = datetime.now(UTC)
    counts = {}
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        for entity in entities:
            table = table_name(platform, entity)
            con.execute(f"create table if not exists {table} ({RAW_COLUMNS})")
            con.execute(f"delete from {table} where business_date = ?", [day])
            rows = records.get(entity, [])
            if rows:
                frame = pl.DataFrame(
                    {
                        "business_date": [day] * len(rows),
                        "record": [json.dumps(r, ensure_ascii=False) for _, r in rows],
                        "_ingested_at": [now] * len(rows),
                        "_run_id": [run_id] * len(rows),
                        "_source": [s for s, _ in rows],
                    }
                )
                con.register("incoming", frame.to_arrow())
                con.execute(
                    f"insert into {table} select business_date, record::json, _ingested_at, "
                    "_run_id, _source from incoming"
                )
                con.unregister("incoming")
            counts[entity] = len(rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def source_label(landing_root: Path, file: Path, line: int) -> str:
    return f"{file.relative_to(landing_root).as_posix()}#{line}"
