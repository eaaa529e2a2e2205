"""Publishing: copy the validated marts into the serving DuckDB file by an atomic swap.

The new file is built beside the old one under a hidden name, checkpointed and closed,
then renamed over it: a BI tool holding the old file open keeps reading the old snapshot,
and a new connection sees the new one whole. Parquet copies are swapped per table.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("mart", "kpi")


class PublishError(Exception):
    """Publishing was refused or could not complete; the served mart is unchanged."""


@dataclass
class Published:
    path: Path
    tables: dict[str, int]


def publish(warehouse: Path, serving_db: Path, parquet_dir: Path, run_id: str) -> Published:
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving_db.with_name(f".{serving_db.name}.{run_id}.tmp")
    tmp.unlink(missing_ok=True)
    tables: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        found = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'wh' and table_schema in ? and table_type = 'BASE TABLE' "
            "order by 1, 2",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        if not found:
            raise PublishError(
                f"{warehouse} has no tables in {PUBLISHED_SCHEMAS}: nothing to publish"
            )
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
        for schema, table in found:
            con.execute(f"create table {schema}.{table} as select * from wh.{schema}.{table}")
            tables[f"{schema}.{table}"] = con.execute(
                f"select count(*) from {schema}.{table}"
            ).fetchone()[0]
        con.execute("detach wh")
        _write_parquet(con, tables, parquet_dir, run_id)
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, serving_db)
    return Published(serving_db, tables)


def _write_parquet(
    con: duckdb.DuckDBPyConnection, tables: dict[str, int], parquet_dir: Path, run_id: str
) -> None:
    staging = parquet_dir.with_name(f".{parquet_dir.name}.{run_id}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for qualified in tables:
        schema, table = qualified.split(".")
        (staging / schema).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy {schema}.{table} to '{staging / schema / table}.parquet' (format parquet)"
        )
    for file in staging.rglob("*.parquet"):
        target = parquet_dir / file.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)  # each table file swaps atomically
    shutil.rmtree(staging, ignore_errors=True)
