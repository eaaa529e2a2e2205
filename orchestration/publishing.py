"""Publishing: copy the validated marts into the serving DuckDB file by an atomic swap.

The new file is built beside the old one under a hidden name, checkpointed and closed,
then renamed over it: a BI tool holding the old file open keeps reading the old snapshot,
and a new connection sees the new one whole. The Parquet copy is a new folder per publish;
``parquet`` is a symbolic link swapped atomically onto it, so a reader never sees tables
of two publishes; the folder before last is removed (the last one may still be in use).
Columns classified personal in the dbt docs are not published (SPEC R-X4).

Each publish carries ``meta.publication`` (and ``_publication.json`` beside the Parquet
tables): the run that published, when, and every table's row count, so a reader can tell
which publish it is reading and that it is whole.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("mart", "kpi")


CLASSIFICATIONS = ("public", "internal", "personal")


def column_classes(manifest: dict) -> dict[str, dict[str, str]]:
    """``schema.table`` → column → classification, for the published dbt models.

    A column's own ``meta.classification`` wins; otherwise the model's (set per folder in
    dbt_project.yml) applies to all its columns.
    """
    out: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in PUBLISHED_SCHEMAS:
            continue
        default = (node.get("config", {}).get("meta") or node.get("meta") or {}).get(
            "classification"
        )
        columns = {}
        for name, column in node.get("columns", {}).items():
            meta = column.get("config", {}).get("meta") or column.get("meta") or {}
            columns[name] = meta.get("classification", default)
        out[f"{node['schema']}.{node['name']}"] = {"*": default, **columns}
    return out


def personal_columns(manifest: dict) -> dict[str, set[str]]:
    return {
        table: {c for c, cls in columns.items() if cls == "personal" and c != "*"}
        for table, columns in column_classes(manifest).items()
    }


class PublishError(Exception):
    """Publishing was refused or could not complete; the served mart is unchanged."""


@dataclass
class Published:
    path: Path
    tables: dict[str, int]


def publish(
    warehouse: Path,
    serving_db: Path,
    parquet_dir: Path,
    run_id: str,
    withheld: dict[str, set[str]] | None = None,
) -> Published:
    """Publish schemas mart and kpi; ``withheld`` maps ``schema.table`` to columns left out.

    Leftovers of a publish that was killed (a hidden temporary file, an unlinked Parquet
    folder) are removed first: they never block the next publish.
    """
    withheld = withheld or {}
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in serving_db.parent.glob(f".{serving_db.name}.*.tmp*"):
        stale.unlink()
    stamp = f"{run_id[:8]}-{time.time_ns()}"
    tmp = serving_db.with_name(f".{serving_db.name}.{stamp}.tmp")
    folder = parquet_dir.with_name(f"{parquet_dir.name}-{stamp}")
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
            columns = withheld.get(f"{schema}.{table}")
            select = f"* exclude ({', '.join(sorted(columns))})" if columns else "*"
            con.execute(
                f"create table {schema}.{table} as select {select} from wh.{schema}.{table}"
            )
            tables[f"{schema}.{table}"] = con.execute(
                f"select count(*) from {schema}.{table}"
            ).fetchone()[0]
        con.execute("detach wh")
        publication = {
            "run_id": run_id,
            "published_at": datetime.now(UTC).isoformat(),
            "tables": tables,
        }
        con.execute("create schema meta")
        con.execute(
            "create table meta.publication as select ? as run_id, "
            "cast(? as timestamptz) as published_at, cast(? as json) as tables",
            [run_id, publication["published_at"], json.dumps(tables)],
        )
        _write_parquet(con, tables, folder, publication)
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    con.close()
    os.replace(tmp, serving_db)
    _swap_link(parquet_dir, folder)
    return Published(serving_db, tables)


def _write_parquet(
    con: duckdb.DuckDBPyConnection, tables: dict[str, int], folder: Path, publication: dict
) -> None:
    for qualified in tables:
        schema, table = qualified.split(".")
        (folder / schema).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy {schema}.{table} to '{folder / schema / table}.parquet' (format parquet)"
        )
    (folder / "_publication.json").write_text(json.dumps(publication, indent=1), encoding="utf-8")


def _swap_link(parquet_dir: Path, folder: Path) -> None:
    """Point ``parquet_dir`` at ``folder`` in one rename; keep only it and the one before."""
    previous = parquet_dir.resolve() if parquet_dir.is_symlink() else None
    if parquet_dir.exists() and not parquet_dir.is_symlink():
        shutil.rmtree(parquet_dir)  # a plain folder from an older layout: replaced once
    link = parquet_dir.with_name(f".{folder.name}.link")
    link.unlink(missing_ok=True)
    link.symlink_to(folder.name)
    os.replace(link, parquet_dir)
    for old in parquet_dir.parent.glob(f"{parquet_dir.name}-*"):
        if old not in (folder, previous):
            shutil.rmtree(old, ignore_errors=True)
