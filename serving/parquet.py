"""The Parquet copy of a publish: one file per table, or one folder per business date.

The large dated tables (``PARTITIONED``) are served in the hive layout,
``<schema>/<table>/business_date=<day>/data_0.parquet`` (rows without a date under
``business_date=__HIVE_DEFAULT_PARTITION__``, the name Hive, Spark, pyarrow, polars and
DuckDB read as null), so that a publish writes only the days that changed: the files of the
other days are hard links to the previous publish's. The date is in the folder name, not in
the files, as the layout has it. Every other table is one file, ``<schema>/<table>.parquet``,
linked when the table is unchanged and written again whole when not.

The days of a table are counted once written and linked, and must add up to the served
table's rows: a previous folder that does not hold what its publish wrote fails the publish,
which then starts over from nothing.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb

from serving.fingerprints import DATE_COLUMN, Change, Table, date_condition

# Served as one folder per business date (docs/serving.md): the dated tables that reach
# millions of rows at the `large` scale (a row per content and day, per interaction, per
# order, per alert and contributor, per KPI, scope and day), of which a day changes a few
# dates. Listed, not chosen by size, so that a table's layout does not change from one
# publish to the next.
PARTITIONED = frozenset(
    {
        "mart.fct_content_daily",
        "mart.fct_user_interactions",
        "mart.fct_orders",
        "kpi.kpi_alerts",
        "kpi.kpi_status",
    }
)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


class ParquetError(Exception):
    """The Parquet copy does not hold the served table's rows."""


def partition_date(name: str) -> date | None:
    """The business date of a partition folder; ParquetError when it is not one."""
    key, _, value = name.partition("=")
    if key != DATE_COLUMN[0]:
        raise ParquetError(f"{name!r} is not a {DATE_COLUMN[0]} partition")
    if value == NULL_PARTITION:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ParquetError(f"{name!r} is not a {DATE_COLUMN[0]} partition") from exc


def relative_path(table: Table, partitioned: frozenset[str]) -> str:
    """Where ``table`` is in a publish's folder: a file, or a folder of partitions."""
    if table.qualified in partitioned and table.dated:
        return f"{table.schema}/{table.name}"
    return f"{table.schema}/{table.name}.parquet"


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    rows: int,
    change: Change | None,
    folder: Path,
    previous: Path | None,
    partitioned: frozenset[str],
) -> bool:
    """Write ``table`` (as served, with ``rows``, in the database ``con`` is open on) into
    ``folder``, linking from ``previous`` (the last publish's folder) what ``change`` left
    as it was. True when nothing had to be written."""
    relative = relative_path(table, partitioned)
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    source = previous / relative if previous else None
    if not relative.endswith(".parquet"):
        kept = _write_partitions(con, table, change, target, source)
        found = parquet_rows(con, target)
        if found != rows:
            raise ParquetError(f"{table.qualified}: {found} rows in {target} but {rows} served")
        return kept
    if change is None and source is not None and source.is_file():
        _link(source, target)
        return True
    _copy(con, f"select * from {table.sql()}", target, by_date=False)
    return False


def _write_partitions(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    change: Change | None,
    target: Path,
    source: Path | None,
) -> bool:
    target.mkdir()
    if source is None or not source.is_dir() or (change is not None and change.dates is None):
        _copy(con, f"select * from {table.sql()}", target, by_date=True)
        return False
    written = change.dates if change is not None else frozenset()
    if written:  # the new and changed dates first, into the empty folder
        query = f"select * from {table.sql()} where {date_condition(written)}"
        _copy(con, query, target, by_date=True)
    for partition in source.iterdir():  # then every other date of the last publish
        if partition_date(partition.name) not in written:
            (target / partition.name).mkdir()
            for file in partition.iterdir():
                _link(file, target / partition.name / file.name)
    return not written


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, *, by_date: bool) -> None:
    options = f", partition_by ({DATE_COLUMN[0]})" if by_date else ""
    con.execute(f"copy ({query}) to '{literal(target)}' (format parquet{options})")


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy is still cheaper
        shutil.copyfile(source, target)


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Rows of a Parquet file, or of every file of a partitioned table (from the footers)."""
    files = sorted(path.glob("*/*.parquet")) if path.is_dir() else [path]
    if not files:
        return 0
    listed = ", ".join(f"'{literal(file)}'" for file in files)
    return con.execute(f"select count(*) from read_parquet([{listed}])").fetchone()[0]


def literal(path: Path | str) -> str:
    return str(path).replace("'", "''")
