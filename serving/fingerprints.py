"""What changed since the last publish: each table compared by content fingerprints.

A table's fingerprint is, per ``business_date`` (or for the whole table when it has no such
DATE column), the row count and the sum and XOR of DuckDB's ``hash`` of each row's served
columns. The sum keeps duplicate rows from cancelling out; two contents that differ agree
on all three only by a 64-bit hash collision. Values that compare equal hash alike
(``0.0`` and ``-0.0``), as SQL sees them.

A publish takes the fingerprints of the warehouse and of the copy of the served file it
updates, both now and in the same process (a scan that hashes, far cheaper than a copy
that writes and compresses), so nothing recorded earlier is trusted, and every block of
the served file that is kept is read, checksums included. A date, or a table, is kept when
the served file has the table with the same columns and types and both fingerprints agree;
anything else is rewritten. Rows are counted first: a count that differs is a change for
certain, so a table the counts alone show to be rewritten whole is not hashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

# The served file's layout that a publish can update in place; anything else is rebuilt.
LAYOUT = 2
DATE_COLUMN = ("business_date", "DATE")
# Rewriting more than this share of a dated table's rows replaces it whole.
WHOLE_TABLE_SHARE = 0.5

Fingerprint = tuple[int, int | None, int | None]  # rows, sum and XOR of the rows' hashes
Fingerprints = dict[date | None, Fingerprint]  # per business_date; None: the whole table


class NotUpdatable(Exception):
    """The previous served file is not one this code can update: publish whole."""


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, type) as served: personal ones left out

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def dated(self) -> bool:
        return DATE_COLUMN in self.columns

    def sql(self, catalog: str | None = None) -> str:
        parts = ([catalog] if catalog else []) + [self.schema, self.name]
        return ".".join(quote(part) for part in parts)

    def select_list(self) -> str:
        return ", ".join(quote(column) for column, _ in self.columns)


@dataclass
class Previous:
    """The served file being updated: which publish it is and its tables."""

    stamp: str
    tables: dict[str, Table]


@dataclass(frozen=True)
class Change:
    """What a publish does to one table: ``dates`` rewritten, or all of it (``dates`` None)."""

    table: Table
    why: str
    dates: frozenset[date | None] | None = None

    def describe(self) -> str:
        if self.dates is None:
            return f"whole table: {self.why}"
        days = sorted(self.dates, key=lambda d: (d is not None, d))
        shown = ", ".join("null" if d is None else d.isoformat() for d in days[:5])
        more = f" and {len(days) - 5} more" if len(days) > 5 else ""
        return f"{len(days)} date(s) rewritten: {shown}{more}"


def tables_of(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    schemas: tuple[str, ...],
    withheld: dict[str, set[str]],
) -> dict[str, Table]:
    """Base tables of ``schemas`` in ``catalog`` with their served columns, in order."""
    rows = con.execute(
        "select c.table_schema, c.table_name, c.column_name, c.data_type "
        "from information_schema.columns as c "
        "join information_schema.tables as t using (table_catalog, table_schema, table_name) "
        "where c.table_catalog = ? and c.table_schema in ? and t.table_type = 'BASE TABLE' "
        "order by c.table_schema, c.table_name, c.ordinal_position",
        [catalog, list(schemas)],
    ).fetchall()
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        left_out = {c.lower() for c in withheld.get(f"{schema}.{table}", ())}
        kept = columns.setdefault((schema, table), [])
        if column.lower() not in left_out:
            kept.append((column, data_type))
    return {f"{s}.{t}": Table(s, t, tuple(cols)) for (s, t), cols in columns.items()}


def read_previous(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> Previous:
    """The publish ``con`` is open on; NotUpdatable when it is not of this layout, or when
    more than half of the file is free space (a whole publish compacts it)."""
    try:
        rows = con.execute("select stamp, layout from meta.publication").fetchall()
    except duckdb.Error as exc:
        raise NotUpdatable(f"not a publish of layout {LAYOUT} ({exc})") from exc
    if len(rows) != 1 or rows[0][1] != LAYOUT:
        raise NotUpdatable(f"meta.publication is {rows}, not one publish of layout {LAYOUT}")
    size = "select used_blocks, free_blocks from pragma_database_size()"
    used, free = con.execute(size).fetchone()
    if free > used:
        raise NotUpdatable(f"{free} of {used + free} blocks are free space")
    catalog = con.execute("select current_database()").fetchone()[0]
    return Previous(rows[0][0], tables_of(con, catalog, schemas, {}))


def fingerprints(
    con: duckdb.DuckDBPyConnection, table: Table, catalog: str | None = None
) -> Fingerprints:
    """Of ``table`` in ``catalog`` (None: the database ``con`` is open on)."""
    day, group = ("business_date", "group by all") if table.dated else ("null::date", "")
    rows = con.execute(
        f"select {day}, count(*), sum(h), bit_xor(h) from "
        f"(select {day} as business_date, hash({table.select_list()}) as h "
        f"from {table.sql(catalog)}) {group}"
    ).fetchall()
    return {day: (count, hash_sum, hash_xor) for day, count, hash_sum, hash_xor in rows if count}


def row_counts(
    con: duckdb.DuckDBPyConnection, table: Table, catalog: str | None = None
) -> dict[date | None, int]:
    """Rows of ``table`` per ``business_date`` (one count under None when undated)."""
    day, group = ("business_date", "group by all") if table.dated else ("null::date", "")
    rows = con.execute(f"select {day}, count(*) from {table.sql(catalog)} {group}").fetchall()
    return {day: count for day, count in rows if count}


def plan(con: duckdb.DuckDBPyConnection, table: Table, previous: Previous | None) -> Change | None:
    """What to rewrite of ``table`` (in catalog ``wh``) in the copy of the previous publish
    that ``con`` is open on; None when the copy already holds the same."""
    old = previous.tables.get(table.qualified) if previous else None
    if old is None:
        return Change(table, "new table")
    if old.columns != table.columns:
        return Change(table, "columns or types changed")
    # rows counted first (no hashing): a count that differs is a change for certain, and
    # the undated tables of people and contents gain rows nearly every day
    counts = row_counts(con, table, "wh")
    recounted = _differing(counts, row_counts(con, table))
    if recounted and not table.dated:
        return Change(table, "row count changed")
    if (moved := _most_rows(counts, recounted)) is not None:
        return Change(table, f"{len(recounted)} of {len(counts)} date(s) recounted, {moved} rows")
    now = fingerprints(con, table, "wh")
    changed = _differing(now, fingerprints(con, table))
    if not changed:
        return None
    if not table.dated:
        return Change(table, "content changed")
    rows = {day: count for day, (count, _, _) in now.items()}
    if (moved := _most_rows(rows, changed)) is not None:
        return Change(table, f"{len(changed)} of {len(now)} date(s) changed, {moved} rows")
    return Change(table, "dates changed", changed)


def _differing(now: dict, served: dict) -> frozenset:
    """The keys (dates) whose values differ between the two sides, or that one side lacks."""
    return frozenset(d for d in now.keys() | served.keys() if now.get(d) != served.get(d))


def _most_rows(rows: dict[date | None, int], dates: frozenset) -> int | None:
    """The rows of ``dates`` when they are more than the share of a table rewritten whole."""
    moved = sum(rows.get(day, 0) for day in dates)
    return moved if dates and moved > WHOLE_TABLE_SHARE * sum(rows.values()) else None


def date_condition(dates: frozenset[date | None]) -> str:
    """SQL true for the rows of ``dates`` (literal dates: they prune by row group)."""
    known = ", ".join(f"date '{day.isoformat()}'" for day in sorted(d for d in dates if d))
    parts = [f"business_date in ({known})"] if known else []
    return " or ".join(parts + (["business_date is null"] if None in dates else []))


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
