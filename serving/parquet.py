"""The Parquet copy of a publish: one file per table, or one folder per business date.

The large dated tables (``PARTITIONED``) are served in the hive layout,
``<schema>/<table>/business_date=<day>/data_0.parquet`` (rows without a date under
``business_date=__HIVE_DEFAULT_PARTITION__``, the name Hive, Spark, pyarrow, polars and
DuckDB read as null), so that a publish writes only the days that changed: the files of the
other days are hard links to the previous publish's. The date is in the folder name, not in
the files, as the layout has it. The KPI tables whose matrix rows are restated on every
date each day (a merge of people moves the matrix's private-domain conversion) are served
by date and scope, ``business_date=<day>/scope=<scope>/data_0.parquet``, so that a day
writes the matrix's file of each date, not every date's millions of account rows; the
interactions by date and platform likewise (``platform=<platform>``). Every
other table is one file, ``<schema>/<table>.parquet``, linked when the table is unchanged
and written again whole when not.

The partitions of a table are counted once written and linked, and must add up to the
served table's rows: a previous folder that does not hold what its publish wrote fails the
publish, which then starts over from nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import duckdb

from serving.fingerprints import DATE_COLUMN, Change, Part, Table, part_condition, quote

# Served as one folder per business date (docs/serving.md), with the folders' keys: the
# dated tables that reach millions of rows at the `large` scale (a row per content and day,
# per interaction, per order, per alert and contributor, per KPI, scope and day, per
# content at its last date), of which a day changes a few dates; or, where a day restates
# rows on nearly every date, a second key that keeps those rows' files small: the scope of
# the two KPI tables whose matrix rows a merge of people restates, and the platform of the
# interactions, whose merged people's follows, WeCom adds and comments are spread over
# some 330 dates a day (at `large`, 0.9-1.2M rows of those dates' platforms against
# 2.5-3.1M of the dates). Listed, not chosen by size, so that a table's layout does not
# change from one publish to the next.
BY_DATE = (DATE_COLUMN[0],)
PARTITIONED: Mapping[str, tuple[str, ...]] = {
    "mart.fct_content_daily": BY_DATE,
    "mart.fct_user_interactions": (*BY_DATE, "platform"),
    "mart.fct_orders": BY_DATE,
    "kpi.kpi_alerts": (*BY_DATE, "scope"),
    "kpi.kpi_status": (*BY_DATE, "scope"),
    "kpi.kpi_content_scorecard": BY_DATE,
}
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


class ParquetError(Exception):
    """The Parquet copy does not hold the served table's rows."""


def partition_keys(table: Table, partitioned: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The folder keys ``table`` is served by: none when it is one file (not listed, or
    not dated). A listed key the table lacks is an error of the list, not a layout."""
    keys = partitioned.get(table.qualified, ())
    if not keys or not table.dated:
        return ()
    missing = set(keys) - {column for column, _ in table.columns}
    if missing:
        raise ParquetError(f"{table.qualified} is served by {keys} but has no {sorted(missing)}")
    return keys


def partition_values(names: tuple[str, ...], keys: tuple[str, ...]) -> Part:
    """The partition of a folder's path below the table (``business_date=…/scope=…``);
    ParquetError when it is not one of ``keys``."""
    if len(names) != len(keys):
        raise ParquetError(f"{'/'.join(names)!r} is not a partition of {keys}")
    values: list[date | str | None] = []
    for name, key in zip(names, keys, strict=True):
        found, _, value = name.partition("=")
        if found != key:
            raise ParquetError(f"{name!r} is not a {key} partition")
        if value == NULL_PARTITION:
            values.append(None)
        elif key == DATE_COLUMN[0]:
            try:
                values.append(date.fromisoformat(value))
            except ValueError as exc:
                raise ParquetError(f"{name!r} is not a {key} partition") from exc
        else:
            values.append(unquote(value))  # DuckDB escapes a value as a URL does
    return tuple(values)


def relative_path(table: Table, partitioned: Mapping[str, tuple[str, ...]]) -> str:
    """Where ``table`` is in a publish's folder: a file, or a folder of partitions."""
    if partition_keys(table, partitioned):
        return f"{table.schema}/{table.name}"
    return f"{table.schema}/{table.name}.parquet"


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    rows: int,
    change: Change | None,
    folder: Path,
    previous: Path | None,
    partitioned: Mapping[str, tuple[str, ...]],
) -> bool:
    """Write ``table`` (as served, with ``rows``, in the database ``con`` is open on) into
    ``folder``, linking from ``previous`` (the last publish's folder) what ``change`` left
    as it was. True when nothing had to be written."""
    relative = relative_path(table, partitioned)
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    source = previous / relative if previous else None
    keys = partition_keys(table, partitioned)
    if keys:
        kept = _write_partitions(con, table, keys, change, target, source)
        found = parquet_rows(con, target, len(keys))
        if found != rows:
            raise ParquetError(f"{table.qualified}: {found} rows in {target} but {rows} served")
        return kept
    if change is None and source is not None and source.is_file():
        _link(source, target)
        return True
    _copy(con, f"select * from {table.sql()}", target, ())
    return False


def _write_partitions(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    keys: tuple[str, ...],
    change: Change | None,
    target: Path,
    source: Path | None,
) -> bool:
    target.mkdir()
    leaves = _leaves(source, keys) if source is not None and source.is_dir() else None
    whole = change is not None and (change.parts is None or change.keys != keys)
    if leaves is None or whole:  # none to link from, in this layout, or all of it changed
        _copy_by_dates(con, table, keys, frozenset(), target, whole=True)
        return False
    written = change.parts if change is not None else frozenset()
    if written:  # the new and changed partitions first, into the empty folder
        _copy_by_dates(con, table, keys, written, target)
    for names, leaf in leaves.items():  # then every other partition of the last publish
        if partition_values(names, keys) not in written:
            linked = target.joinpath(*names)
            linked.parent.mkdir(parents=True, exist_ok=True)
            linked.mkdir()
            for file in leaf.iterdir():
                _link(file, linked / file.name)
    return not written


def _leaves(source: Path, keys: tuple[str, ...]) -> dict[tuple[str, ...], Path] | None:
    """The partition folders of a previous publish's table, by their names below it; None
    when it was served in another layout (one key fewer or more): it is written whole."""
    leaves = {}
    for leaf in source.glob("/".join("*" * len(keys))):
        names = leaf.relative_to(source).parts
        if not leaf.is_dir() or not all(
            name.startswith(f"{key}=") for name, key in zip(names, keys, strict=True)
        ):
            return None
        leaves[names] = leaf
    first = next(iter(leaves.values()), None)
    if first is not None and any(entry.is_dir() for entry in first.iterdir()):
        return None  # served by more keys than these
    return leaves


# Rows written by one COPY, about. DuckDB's partitioned write keeps a file open per
# partition (up to partitioned_write_max_open_files, then it flushes and closes them): the
# year of fct_content_daily at `large` (54.7M rows, 374 dates) took 75 s in one COPY and
# 39 s in COPYs of this size. A date is never split.
ROWS_PER_COPY = 5_000_000


def _copy_by_dates(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    keys: tuple[str, ...],
    parts: frozenset[Part],
    target: Path,
    whole: bool = False,
) -> None:
    """The rows of ``parts`` (all of the table when ``whole``) into the partition folders
    under ``target``, in COPYs of consecutive dates of about ROWS_PER_COPY rows."""
    where = "true" if whole else part_condition(keys, parts)
    counts = con.execute(
        f"select {quote(keys[0])}, count(*) from {table.sql()} where {where} group by all"
    ).fetchall()
    chunks: list[list[date | None]] = [[]]
    rows = 0
    for day, count in sorted(counts, key=lambda dc: (dc[0] is not None, dc[0])):
        if chunks[-1] and rows + count > ROWS_PER_COPY:
            chunks.append([])
            rows = 0
        chunks[-1].append(day)
        rows += count
    for chunk in chunks:
        if len(chunks) > 1:  # a range prunes by row group where a list of dates may not
            known = [day for day in chunk if day is not None]
            span = f"{quote(keys[0])} between date '{known[0]}' and date '{known[-1]}'"
            terms = [f"{quote(keys[0])} is null"] * (None in chunk) + [span] * bool(known)
            where_chunk = f"({where}) and ({' or '.join(terms)})"
        else:
            where_chunk = where
        _copy(con, f"select * from {table.sql()} where {where_chunk}", target, keys)


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, keys: tuple[str, ...]) -> None:
    # a partitioned COPY into a folder that holds other partitions already must be told
    # it may: the partitions of one publish's COPYs never overlap
    options = f", partition_by ({', '.join(keys)}), overwrite_or_ignore" if keys else ""
    con.execute(f"copy ({query}) to '{literal(target)}' (format parquet{options})")


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links: a copy is still cheaper
        shutil.copyfile(source, target)


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path, depth: int = 0) -> int:
    """Rows of a Parquet file, or of every file of a table partitioned by ``depth`` keys
    (from the footers)."""
    files = sorted(path.glob("*/" * depth + "*.parquet")) if depth else [path]
    if not files:
        return 0
    listed = ", ".join(f"'{literal(file)}'" for file in files)
    return con.execute(f"select count(*) from read_parquet([{listed}])").fetchone()[0]


def literal(path: Path | str) -> str:
    return str(path).replace("'", "''")
