"""Loading landed pages into DuckDB schema ``raw``: one table per platform entity.

Each table is ``raw.<platform>__<entity>(business_date, record JSON, _ingested_at, _run_id,
_source)``. The record is the platform's item as received, unknown fields included; typing
happens in dbt staging. A day is replaced as a whole inside one transaction: a rerun never
duplicates and a failed load never leaves half a day.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
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


QUARANTINE = "raw.quarantine"
QUARANTINE_COLUMNS = """
    platform varchar not null,
    entity varchar not null,
    business_date date not null,
    reason varchar not null,
    record json not null,
    _ingested_at timestamp with time zone not null,
    _run_id varchar not null,
    _source varchar not null
"""

Row = tuple[str, dict[str, Any]]  # (source label, record)


def table_name(platform: str, entity: str) -> str:
    return f"raw.{platform}__{entity}"


def load_day(
    con: duckdb.DuckDBPyConnection,
    platform: str,
    entities: Iterable[str],
    day: date,
    records: dict[str, list[Row]],
    run_id: str,
    quarantined: list[tuple[str, str, Row]] = (),
    kept: Mapping[str, Mapping[str, Collection[str]]] | None = None,
) -> dict[str, int]:
    """Replace ``day`` in every entity table of the platform; return rows loaded per entity.

    ``records`` maps entity to ``(source, record)`` pairs; an entity with no records still
    has its day cleared, so a rerun that finds less data does not keep stale rows.
    ``quarantined`` holds ``(entity, reason, row)`` for records that could not be loaded:
    they replace the platform's day in ``raw.quarantine`` in the same transaction.
    ``kept`` maps an entity to {field: values}: its rows of the day whose record has one of
    those values in one of those fields stay (items the platform no longer reports, or an
    account the run could not fetch: their loaded day is not cleared).
    """
    now = datetime.now(UTC)
    counts = {}
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        for entity in entities:
            table = table_name(platform, entity)
            con.execute(f"create table if not exists {table} ({RAW_COLUMNS})")
            keep = {f: list(v) for f, v in (kept or {}).get(entity, {}).items() if v}
            staying = "".join(
                " and not coalesce(list_contains(?::varchar[], record ->> ?), false)" for _ in keep
            )
            params = [x for f, values in keep.items() for x in (values, f)]
            con.execute(f"delete from {table} where business_date = ?{staying}", [day, *params])
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
        con.execute(f"create table if not exists {QUARANTINE} ({QUARANTINE_COLUMNS})")
        con.execute(
            f"delete from {QUARANTINE} where platform = ? and business_date = ?", [platform, day]
        )
        if quarantined:
            frame = pl.DataFrame(
                {
                    "platform": [platform] * len(quarantined),
                    "entity": [e for e, _, _ in quarantined],
                    "business_date": [day] * len(quarantined),
                    "reason": [r for _, r, _ in quarantined],
                    "record": [json.dumps(row[1], ensure_ascii=False) for _, _, row in quarantined],
                    "_ingested_at": [now] * len(quarantined),
                    "_run_id": [run_id] * len(quarantined),
                    "_source": [row[0] for _, _, row in quarantined],
                }
            )
            con.register("incoming", frame.to_arrow())
            con.execute(
                f"insert into {QUARANTINE} select * replace (record::json as record) from incoming"
            )
            con.unregister("incoming")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def source_label(landing_root: Path, file: Path, line: int) -> str:
    return f"{file.relative_to(landing_root).as_posix()}#{line}"
