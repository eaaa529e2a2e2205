"""Publishing: copy the validated marts into the serving DuckDB file by an atomic swap.

The new file is built beside the old one under a hidden name, checkpointed and closed,
then renamed over it: a BI tool holding the old file open keeps reading the old snapshot,
and a new connection sees the new one whole. The Parquet copy is a new folder per publish;
``parquet`` is a symbolic link swapped atomically onto it, so a reader never sees tables
of two publishes; the folder before last is moved aside (the last one may still be in use)
and removed while the next publish works: a folder of days is thousands of directories,
slow to remove on a busy disk.
Columns classified personal in the dbt docs are not published (docs/requirements.md R-X4).

A publish costs what changed (``serving.fingerprints``): the hidden file starts as a
plain copy of the served one (made while the run's dbt build works when the run staged it:
``serving.served_copy``), and only the tables, or the business dates of a dated table,
whose content differs from the warehouse's are rewritten in it (of a date, or of a large
undated table, only the rows that differ: ``_replace_changed_rows``); the Parquet files of
unchanged tables, and of the unchanged days of a table served by date
(``serving.parquet``), are hard links to the previous folder's. Each table's Parquet is
written by a thread of its own as soon as the table is updated, while the next tables are
compared (``_ParquetWriter``). When there is no served file, or it is of another layout
or engine, or unreadable, the publish copies everything, as the first one does.

Each publish carries ``meta.publication`` (and ``_publication.json`` beside the Parquet
tables): the run that published, when, and every table's row count, so a reader can tell
which publish it is reading and that it is whole.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion.warehouse import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS, Limits, connect
from serving import served_copy
from serving.fingerprints import (
    LAYOUT,
    WHOLE_TABLE_SHARE,
    Change,
    Fingerprints,
    NotUpdatable,
    Previous,
    Recorded,
    Table,
    Written,
    fingerprints,
    moved_prints,
    part_condition,
    plan,
    quote,
    read_previous,
    read_recorded,
    rows_prints,
    tables_of,
    write_record,
)
from serving.parquet import (
    BY_DATE,
    PARTITIONED,
    ParquetError,
    literal,
    partition_keys,
    relative_path,
    write_table,
)

PUBLISHED_SCHEMAS = ("mart", "kpi")


CLASSIFICATIONS = ("public", "internal", "personal")


def column_classes(manifest: dict) -> dict[str, dict[str, str]]:
    """``schema.table`` → column → classification, for the published dbt models.

    A column's own ``meta.classification`` wins; otherwise the model's (set per folder in
    dbt_project.yml) applies to all its columns.
    """
    out: dict[str, dict[str, str]] = {}
    for name, node in _published_models(manifest):
        default = _meta(node).get("classification")
        columns = {
            c: _meta(column).get("classification", default)
            for c, column in node.get("columns", {}).items()
        }
        out[name] = {"*": default, **columns}
    return out


def stamped_columns(manifest: dict) -> dict[str, str]:
    """``schema.table`` → the column in which every row a build writes carries a stamp
    later than any before (dbt meta ``written_by``), for the published models with one."""
    return {
        name: column
        for name, node in _published_models(manifest)
        if (column := _meta(node).get("written_by"))
    }


def unique_keys(manifest: dict) -> dict[str, tuple[str, ...]]:
    """``schema.table`` → the columns that identify a row (the incremental model's
    ``unique_key``), for the published stamped models (``stamped_columns``) with one."""
    stamped = stamped_columns(manifest)
    keys: dict[str, tuple[str, ...]] = {}
    for name, node in _published_models(manifest):
        key = node.get("config", {}).get("unique_key")
        if name in stamped and key:
            keys[name] = (key,) if isinstance(key, str) else tuple(key)
    return keys


def _published_models(manifest: dict) -> Iterator[tuple[str, dict]]:
    """(``schema.table``, node) of the dbt models in the published schemas."""
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] in PUBLISHED_SCHEMAS:
            yield f"{node['schema']}.{node['name']}", node


def _meta(node: dict) -> dict:
    """A manifest node's (or column's) meta: under config in recent dbt, else at the top."""
    return node.get("config", {}).get("meta") or node.get("meta") or {}


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
    rewritten: dict[str, str] = field(default_factory=dict)  # table → what and why
    reused: list[str] = field(default_factory=list)  # tables kept as the last publish had them
    parquet_linked: list[str] = field(default_factory=list)  # tables whose Parquet was kept
    full_reason: str | None = None  # why everything was copied, when it was
    # seconds each step took: the copy of the served file, then per table comparing and
    # rewriting ("plan: mart.x"), and writing its Parquet ("parquet: mart.x")
    seconds: dict[str, float] = field(default_factory=dict)
    publication: dict = field(default_factory=dict)  # what _publication.json says


def publish(*args: Any, **options: Any) -> Published:
    """A publish made and swapped in at once: ``prepare`` (same arguments), then
    ``Prepared.swap``."""
    return prepare(*args, **options).swap()


def prepare(
    warehouse: Path,
    serving_db: Path,
    parquet_dir: Path,
    run_id: str,
    withheld: dict[str, set[str]] | None = None,
    *,
    partitioned: Mapping[str, tuple[str, ...]] = PARTITIONED,
    stamped: Mapping[str, str] | None = None,
    unique: Mapping[str, tuple[str, ...]] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
    cancelled: threading.Event | None = None,
) -> Prepared:
    """A publish of schemas mart and kpi, all but making it seen; ``withheld`` maps
    ``schema.table`` to columns left out, and the dated tables in ``partitioned`` are
    served as Parquet by business date (and the further keys listed there). ``stamped``
    maps ``schema.table`` to the column in which its builds stamp every row they write
    (``stamped_columns``), and ``unique`` to the columns identifying its rows
    (``unique_keys``): of such a table, the rows written since the served file's publish
    replace those of the same keys (``_replace_written_rows``). It makes the hidden file
    and the Parquet folder, whole and checkpointed, which ``Prepared.swap`` makes the
    served ones and ``Prepared.discard`` removes. Readers see nothing of it before the
    swap. When ``cancelled`` is set, it stops before its next table and raises Cancelled,
    leaving nothing behind.

    Leftovers of a publish that was killed never block the next publish: a hidden
    temporary file is removed first; an unlinked Parquet folder is set aside at the swap,
    as the folder before last is, and folders set aside are removed in a thread while the
    next publish works.
    """
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    _remove(serving_db.parent.glob(f".{serving_db.name}.*.tmp*"))
    served_copy.discard_others(serving_db, run_id)
    based_on = served_copy.identity(serving_db)
    stamp = f"{run_id[:8]}-{time.time_ns()}"
    tmp = serving_db.with_name(f".{serving_db.name}.{stamp}.tmp")
    folder = parquet_dir.with_name(f"{parquet_dir.name}-{stamp}")
    limits: Limits = {"memory_limit": memory_limit, "threads": threads}
    build = _Build(
        warehouse,
        tmp,
        folder,
        run_id,
        stamp,
        withheld or {},
        partitioned,
        stamped or {},
        unique or {},
        limits,
        cancelled or threading.Event(),
    )
    sweeper = threading.Thread(target=_sweep, args=(_set_aside(parquet_dir),))
    sweeper.start()
    try:
        try:
            result = build.run(serving_db, parquet_dir)
        except _UpdateFailed as failed:  # the served file is damaged where it was read
            build.clean()
            result = build.run(None, parquet_dir, f"updating the served file failed: {failed}")
    except BaseException:
        build.clean()
        raise
    finally:
        sweeper.join()
    return Prepared(result, tmp, folder, serving_db, parquet_dir, based_on)


class Cancelled(Exception):
    """A prepared publish was stopped before it was whole: nothing of it is left."""


@dataclass
class Prepared:
    """A publish made but not yet seen: its hidden file ``tmp`` and Parquet ``folder``,
    and the served file's identity when it began (``based_on``; None: there was none)."""

    result: Published
    tmp: Path
    folder: Path
    serving_db: Path
    parquet_dir: Path
    based_on: served_copy.Identity | None

    def current(self) -> bool:
        """Whether the served file is still the one this publish was made on: if another
        publish replaced it meanwhile, swapping this one in would undo that one."""
        return served_copy.identity(self.serving_db) == self.based_on

    def swap(self) -> Published:
        """Make it the served mart: the file by one rename, then the Parquet link."""
        os.replace(self.tmp, self.serving_db)
        _swap_link(self.parquet_dir, self.folder)
        self.result.path = self.serving_db
        return self.result

    def discard(self) -> None:
        _remove(self.tmp.parent.glob(f"{self.tmp.name}*"))
        shutil.rmtree(self.folder, ignore_errors=True)


class _UpdateFailed(Exception):
    """Updating a copy of the served file failed (a damaged block, rows that do not add
    up): a whole publish follows."""


@dataclass
class _Build:
    """One attempt at the hidden file and Parquet folder of a publish."""

    warehouse: Path
    tmp: Path
    folder: Path
    run_id: str
    stamp: str
    withheld: dict[str, set[str]]
    partitioned: Mapping[str, tuple[str, ...]]
    stamped: Mapping[str, str]
    unique: Mapping[str, tuple[str, ...]]
    limits: Limits  # DuckDB's memory_limit and threads, as the project's
    cancelled: threading.Event  # set: stop before the next table (Cancelled)

    def run(
        self, serving_db: Path | None, parquet_dir: Path, full_reason: str | None = None
    ) -> Published:
        """Build on a copy of ``serving_db`` when it can be updated, else from nothing."""
        began = time.perf_counter()
        con, previous, reason = self._open(serving_db)
        opened = round(time.perf_counter() - began, 2)
        try:
            wanted = _attach(con, self.warehouse, self.withheld)
            last = _previous_folder(parquet_dir, previous)
            writer = _ParquetWriter(con.cursor(), self.folder, last, self.partitioned)
        except BaseException:
            con.close()
            raise
        try:
            result = _update(
                con,
                wanted,
                previous,
                self.run_id,
                self.stamp,
                self.partitioned,
                self.stamped,
                self.unique,
                writer.add,
                self.cancelled,
            )
            result.seconds["copy of the served file"] = opened
            result.full_reason = full_reason or reason
            writer.finish(result)
            began = time.perf_counter()
            con.execute("checkpoint")
            result.seconds["checkpoint"] = round(time.perf_counter() - began, 2)
        except (duckdb.Error, PublishError, ParquetError) as exc:
            if previous is None:
                raise
            raise _UpdateFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            writer.stop(cancel=True)  # after finish, only closes its cursor
            con.close()
        return result

    def clean(self) -> None:
        _remove(self.tmp.parent.glob(f"{self.tmp.name}*"))  # with its .wal and spill folder
        shutil.rmtree(self.folder, ignore_errors=True)

    def _open(
        self, serving_db: Path | None
    ) -> tuple[duckdb.DuckDBPyConnection, Previous | None, str | None]:
        """The hidden file as a copy of the served one, and what that one holds; or, when
        it cannot be updated, a new empty file and the reason."""
        if serving_db is None or not serving_db.exists():
            return self._connect(), None, "no earlier publish"
        # the copy made while dbt built (serving.served_copy), else one now: sequential I/O
        if not served_copy.take(serving_db, self.run_id, self.tmp):
            shutil.copyfile(serving_db, self.tmp)
        con = None
        try:
            con = self._connect()
            return con, read_previous(con, PUBLISHED_SCHEMAS), None
        except (duckdb.Error, NotUpdatable) as exc:
            if con is not None:
                con.close()
            self.clean()
            reason = f"the served file cannot be updated: {type(exc).__name__}: {exc}"
            return self._connect(), None, reason[:300]

    def _connect(self) -> duckdb.DuckDBPyConnection:
        return connect(self.tmp, **self.limits)


def _attach(
    con: duckdb.DuckDBPyConnection, warehouse: Path, withheld: dict[str, set[str]]
) -> dict[str, Table]:
    """The warehouse as catalog ``wh``, and the tables to publish from it."""
    con.execute(f"attach '{literal(warehouse)}' as wh (read_only)")
    wanted = tables_of(con, "wh", PUBLISHED_SCHEMAS, withheld)
    if not wanted:
        raise PublishError(f"{warehouse} has no tables in {PUBLISHED_SCHEMAS}: nothing to publish")
    return wanted


def _update(
    con: duckdb.DuckDBPyConnection,
    wanted: dict[str, Table],
    previous: Previous | None,
    run_id: str,
    stamp: str,
    partitioned: Mapping[str, tuple[str, ...]],
    stamped: Mapping[str, str],
    unique: Mapping[str, tuple[str, ...]],
    served: Callable[[str, Table, Change | None, int], None],
    cancelled: threading.Event,
) -> Published:
    """Make the open copy hold the warehouse's tables; rewrite only what changed. Each
    table, once it is as the warehouse has it, is handed to ``served`` (name, table, what
    changed, rows)."""
    for schema in (*PUBLISHED_SCHEMAS, "meta"):
        con.execute(f"create schema if not exists {schema}")
    before = previous.tables if previous else {}
    for gone in set(before) - set(wanted):  # no longer in the warehouse
        con.execute(f"drop table {before[gone].sql()}")
    result = Published(Path(), {})
    # what the copy's publish recorded of its tables compared by partition (whose served
    # side's hashing grows with history) and of its stamped ones, and this publish's record
    recorded = read_recorded(con) if previous else {}
    record: dict[str, Recorded] = {}
    for name in _largest_first(con, wanted):
        if cancelled.is_set():
            raise Cancelled(f"stopped before {name}")
        table = wanted[name]
        began = time.perf_counter()
        keys = compared_by(table, partitioned)
        change, after = plan(con, table, previous, keys, recorded.get(name), stamped.get(name))
        if change is None:
            result.reused.append(name)
        else:
            key = unique.get(name, ())
            served_key = key if set(key) <= {c for c, _ in table.columns} else ()
            said, prints = _apply(con, change, served_key)
            result.rewritten[name] = change.describe() + said
            if after is not None and prints is not None:  # the changed partitions' now
                after = Recorded(after.keys, after.prints | prints, after.stamped_to)
        if after is not None:
            record[name] = after
        result.tables[name] = _checked_count(con, table)
        result.seconds[f"plan: {name}"] = round(time.perf_counter() - began, 2)
        served(name, table, change, result.tables[name])
    con.execute("detach wh")
    write_record(con, record)
    result.tables = dict(sorted(result.tables.items()))
    published_at = datetime.now(UTC).isoformat()
    con.execute(
        "create or replace table meta.publication as select ? as run_id, "
        "cast(? as timestamptz) as published_at, cast(? as json) as tables, "
        "? as stamp, ? as layout",
        [run_id, published_at, json.dumps(result.tables), stamp, LAYOUT],
    )
    result.publication = {
        "run_id": run_id,
        "published_at": published_at,
        "stamp": stamp,
        "tables": result.tables,
    }
    return result


def _largest_first(con: duckdb.DuckDBPyConnection, wanted: dict[str, Table]) -> list[str]:
    """The tables to publish, the warehouse's largest first: their Parquet is written while
    the small ones are compared, so the publish does not end waiting for a large table's."""
    sizes = dict(
        con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() "
            "where database_name = 'wh'"
        ).fetchall()
    )
    return sorted(wanted, key=lambda name: (-(sizes.get(name) or 0), name))


# The weekly and monthly roll-ups: a day changes its own period's rows (2,000 accounts'
# current week of 110,000 rows at `large`), so they are compared and rewritten by period.
PERIOD_COLUMN = ("period_start", "DATE")


def compared_by(table: Table, partitioned: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The partition keys a table's changes are found and rewritten by: those it is served
    by as Parquet, else its business date, else its period, else none (the whole table)."""
    if keys := partition_keys(table, partitioned):
        return keys
    if table.dated:
        return BY_DATE
    return (PERIOD_COLUMN[0],) if PERIOD_COLUMN in table.columns else ()


def _apply(
    con: duckdb.DuckDBPyConnection, change: Change, key: tuple[str, ...] = ()
) -> tuple[str, Fingerprints | None]:
    """Make the copy's ``change.table`` the warehouse's: what was written, when only rows;
    and, when the change asks for them (``Change.prints``), the fingerprints of its
    partitions now. ``key``: served columns that identify a row, which lets the rows the
    change names as written since the last publish replace theirs
    (``_replace_written_rows``)."""
    table = change.table
    source = f"select {table.select_list()} from {table.sql('wh')}"
    if change.parts is None:
        _replace_table(con, table)
        return "", None
    where = part_condition(change.keys, change.parts)

    def hashed() -> Fingerprints | None:  # of the partitions as the warehouse has them
        if change.prints is None:
            return None
        return fingerprints(con, table, change.keys, "wh", where)

    # an undated table is one partition: too many differing rows make it a whole rewrite
    most = None if change.keys else WHOLE_TABLE_SHARE * _count(con, table.sql("wh"))
    if change.written_whole and change.written is not None:
        # every row of those partitions is new since (and every such row is in them): no row
        # of the copy's is kept, and the rows are read by their stamp
        new = f"{source} where {change.written.condition()}"
        con.execute(f"delete from {table.sql()} where {where}")
        con.execute(f"insert into {table.sql()} {new}", [change.written.since])
        prints = None
        if change.prints is not None:
            prints = rows_prints(con, new, table, change.keys, [change.written.since])
        return " (every row written since: partitions whole)", prints
    if key and change.written is not None:
        written = _replace_written_rows(
            con, table, key, change.written, where, most, change.keys, change.prints
        )
        if written is not None:  # the copy's rows are the warehouse's, counted
            out, into, prints = written
            return f" ({out} out, {into} in, by stamp and key)", prints
    moved = _replace_changed_rows(con, table, where, most)
    if moved is None:
        _replace_table(con, table)
        return f", {WHOLE_TABLE_SHARE:.0%} of its rows or more differ: whole table", None
    if not change.keys:  # a repeated row the hashes cannot tell apart: the table whole
        if _count(con, table.sql()) != _count(con, table.sql("wh")):
            _replace_table(con, table)
            return ", a repeated row: whole table", None
        return f" ({moved[0]} out, {moved[1]} in)", None
    keys = ", ".join(quote(key) for key in change.keys)
    recounted = con.execute(
        f"select {keys} from (select {keys}, count(*) as served "
        f"from {table.sql()} where {where} group by all) full join (select {keys}, "
        f"count(*) as warehouse from {table.sql('wh')} where {where} group by all) "
        f"using ({keys}) where served is distinct from warehouse"
    ).fetchall()
    if recounted:  # a repeated row the hashes cannot tell apart: those partitions whole
        again = part_condition(change.keys, frozenset(recounted))
        con.execute(f"delete from {table.sql()} where {again}")
        con.execute(f"insert into {table.sql()} {source} where {again}")
    return "", hashed()


def _replace_table(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    con.execute(f"drop table if exists {table.sql()}")
    source = f"select {table.select_list()} from {table.sql('wh')}"
    con.execute(f"create table {table.sql()} as {source}")


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchone()[0]


def _replace_changed_rows(
    con: duckdb.DuckDBPyConnection, table: Table, where: str, most: float | None = None
) -> tuple[int, int] | None:
    """Of the rows of the changed partitions (``where``), only those that differ: a served row
    whose hash (of every served column, the fingerprints' row hash) no warehouse row has
    is deleted, and a warehouse row whose hash no served row has is inserted. A daily run
    moves a few thousand people's interactions over hundreds of dates: their rows, not
    the dates' millions, are written. The rows deleted and inserted; None, with nothing
    written, when they are more than ``most``.

    One full join of the two sides' hashes finds both kinds at once: at `large`, the
    identity bridge's 9M rows took 1.5-2.1 s this way, against 2.9-3.0 s for two
    temporary tables of hashes and an anti join each way."""
    row_hash = f"hash({table.select_list()})"
    con.execute(
        "create or replace temp table publish_differing as "
        "select served.served_row, warehouse.warehouse_row from "
        f"(select rowid as served_row, {row_hash} as h from {table.sql()} where {where}) "
        "as served full join "
        f"(select rowid as warehouse_row, {row_hash} as h from {table.sql('wh')} "
        f"where {where}) as warehouse "
        "on served.h = warehouse.h where served.h is null or warehouse.h is null"
    )
    try:
        moved = con.execute(
            "select count(served_row), count(warehouse_row) from publish_differing"
        ).fetchone()
        if most is not None and sum(moved) > most:
            return None
        con.execute(
            f"delete from {table.sql()} where rowid in "
            "(select served_row from publish_differing where served_row is not null)"
        )
        # by the warehouse rows' own ids, not their hashes again: the warehouse is attached
        # read-only, so its row ids hold between the two statements
        con.execute(
            f"insert into {table.sql()} select {table.select_list()} from {table.sql('wh')} "
            f"where ({where}) and rowid in "
            "(select warehouse_row from publish_differing where warehouse_row is not null)"
        )
        return moved
    finally:
        con.execute("drop table if exists publish_differing")


def _replace_written_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    key: tuple[str, ...],
    written: Written,
    where: str,
    most: float | None = None,
    part_keys: tuple[str, ...] = (),
    before: Fingerprints | None = None,
) -> tuple[int, int, Fingerprints | None] | None:
    """Of the changed partitions (``where``), the rows the warehouse's builds wrote since
    the served file's publish (``written``) replace the copy's rows of the same ``key``;
    then the copy's rows whose key the warehouse no longer has there (a merged person: a
    delete writes no stamp) are deleted, found by the key alone, and only when the copy
    has more rows than the warehouse. Every other row kept its stamp, so it is as that
    publish served it; a row that moved partition changed both (plan). The rows deleted and
    inserted, and with ``before`` (the partitions' served fingerprints, by ``part_keys``)
    their fingerprints now, from the rows' that left and came (``moved_prints``); or None
    with nothing written when the rows are more than ``most``, or when the copy does not
    end with the warehouse's row count (a key repeated, a row changed without a stamp): the
    rows are then compared by hash (``_replace_changed_rows``).

    It hashes only the rows it moves: a day's 5,000 new contents of 2M, or its interactions
    moved over 340 dates, are found by their stamp and key, not every row of both sides."""
    copy, warehouse = table.sql(), table.sql("wh")
    since = [written.since]
    new = f"select {table.select_list()} from {warehouse} where ({where}) and {written.condition()}"
    if most is not None:
        count = con.execute(f"select count(*) from ({new})", since).fetchone()[0]
        if count > most:
            return None
    on = " and ".join(f"c.{quote(k)} = w.{quote(k)}" for k in key)
    rows = f"(select rowid, * from {copy} where {where}) as c"
    prints = before is not None
    left: Fingerprints = {}  # of the rows deleted: those replaced, then those gone
    con.begin()
    try:
        replaced = f"{rows} semi join ({new}) as w on {on}"
        out, left = _delete_rows(con, copy, replaced, since, table, part_keys, prints)
        inserted = con.execute(f"insert into {copy} {new}", since).fetchone()[0]
        if _count(con, copy) > _count(con, warehouse):
            gone = f"{rows} anti join (select * from {warehouse} where {where}) as w on {on}"
            more, gone_prints = _delete_rows(con, copy, gone, [], table, part_keys, prints)
            out, left = out + more, moved_prints(left, {}, gone_prints)
        if _count(con, copy) != _count(con, warehouse):
            con.rollback()
            return None
        into = rows_prints(con, new, table, part_keys, since) if prints else {}
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return out, inserted, moved_prints(before, left, into) if before is not None else None


def _delete_rows(
    con: duckdb.DuckDBPyConnection,
    copy: str,
    rows: str,
    params: list,
    table: Table,
    part_keys: tuple[str, ...],
    prints: bool,
) -> tuple[int, Fingerprints]:
    """Delete the copy's rows whose row ids the query ``rows`` selects (``c.rowid``): how
    many, and with ``prints`` their fingerprints by ``part_keys``, of the rows as the
    delete returned them (the copy is read once)."""
    delete = f"delete from {copy} where rowid in (select c.rowid from {rows})"
    if not prints:
        return con.execute(delete, params).fetchone()[0], {}
    with warnings.catch_warnings():  # DuckDB warns that Arrow copies the rows: a day's few
        warnings.simplefilter("ignore", UserWarning)
        gone = con.execute(f"{delete} returning {table.select_list()}", params).to_arrow_table()
    con.register("publish_moved_out", gone)
    try:
        return gone.num_rows, rows_prints(con, "select * from publish_moved_out", table, part_keys)
    finally:
        con.unregister("publish_moved_out")


def _checked_count(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """The copy's rows, which must be the warehouse's."""
    served = con.execute(f"select count(*) from {table.sql()}").fetchone()[0]
    expected = con.execute(f"select count(*) from {table.sql('wh')}").fetchone()[0]
    if served != expected:
        raise PublishError(
            f"{table.qualified}: {served} rows served but {expected} in the warehouse"
        )
    return served


def _previous_folder(parquet_dir: Path, previous: Previous | None) -> Path | None:
    """The Parquet folder of the publish being updated, when the link still points at it."""
    if previous is None or not parquet_dir.is_symlink():
        return None
    folder = parquet_dir.resolve()
    try:
        publication = json.loads((folder / "_publication.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return folder if publication.get("stamp") == previous.stamp else None


class _ParquetWriter:
    """Writes each table's Parquet (``serving.parquet.write_table``) in a thread of its own,
    on a cursor of the publish's connection, as soon as the update has made the table the
    warehouse's, while the update goes on with the next tables: the two overlap, as the
    comparing is mostly hashing and the writing mostly compressing and small files. A
    table is written after its update committed, and no later step changes it."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        folder: Path,
        previous: Path | None,
        partitioned: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.con, self.folder, self.previous, self.partitioned = con, folder, previous, partitioned
        # a file's rows in any order (this cursor only): DuckDB then writes a table's row
        # groups in parallel; at `large` the identity bridge's 9.4M rows took 1.9 s and 3.5
        # CPU-seconds, against 3.0 s and 5.2 in the table's order (the people and contents'
        # a fifth less). Readers of the layout have no row order to rely on.
        con.execute("set session preserve_insertion_order = false")
        self.queue: queue.SimpleQueue[tuple[str, Table, Change | None, int] | None]
        self.queue = queue.SimpleQueue()
        self.paths: dict[str, str] = {}
        self.linked: list[str] = []
        self.seconds: dict[str, float] = {}
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread = threading.Thread(target=self._work, name="publish-parquet", daemon=True)
        self.thread.start()

    def add(self, name: str, table: Table, change: Change | None, rows: int) -> None:
        if self.error is not None:  # fail the publish now, not after comparing the rest
            raise self.error
        self.queue.put((name, table, change, rows))

    def finish(self, result: Published) -> None:
        """Wait for every table's Parquet, then write ``_publication.json``."""
        self.stop()
        if self.error is not None:
            raise self.error
        result.seconds.update(self.seconds)
        result.parquet_linked.extend(self.linked)
        result.publication["parquet"] = dict(sorted(self.paths.items()))
        publication = json.dumps(result.publication, indent=1)
        (self.folder / "_publication.json").write_text(publication, encoding="utf-8")

    def stop(self, cancel: bool = False) -> None:
        """Wait for the thread; with ``cancel`` (the publish failed), tables still queued
        are not written."""
        if self.thread.is_alive():
            self.cancelled = cancel
            self.queue.put(None)
            self.thread.join()
        self.con.close()

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None or self.cancelled:
                continue  # drain: the publish fails (or failed) and is cleaned up
            name, table, change, rows = item
            began = time.perf_counter()
            try:
                kept = write_table(
                    self.con, table, rows, change, self.folder, self.previous, self.partitioned
                )
            except BaseException as exc:
                self.error = exc
                continue
            self.seconds[f"parquet: {name}"] = round(time.perf_counter() - began, 2)
            self.paths[name] = relative_path(table, self.partitioned)
            if kept:
                self.linked.append(name)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


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
            os.replace(old, old.with_name(f".{old.name}.old"))  # removed by the next publish


def _set_aside(parquet_dir: Path) -> list[Path]:
    return list(parquet_dir.parent.glob(f".{parquet_dir.name}-*.old"))


def _sweep(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
