"""No phone number or email in clear anywhere in the warehouse (docs/requirements.md R-X1).

Every text and JSON column of every table is searched with two patterns. A phone is a
mainland mobile number standing alone (not inside a longer run of letters or digits, so
order ids and HMAC hex do not match); an email is anything shaped like ``a@b.cc``. Tables
with a ``business_date`` (or, for a snapshot, ``snapshot_date``) column are searched on the
run's window only, the rest whole.
Findings name the table, column and count, and show values masked, never in clear.

An undated table whose every written row carries its build's timestamp (``stamps``: the
dbt models' meta ``written_by``, where that column is a timestamp) is read only from the
rows written after the mark of the last scan that passed (``since``: ``read_through`` of
that scan, taken before it read anything). The rows up to the mark were read then, or by
a scan before it. A table holding more rows up to the mark than that scan counted there
(the file replaced by another's), or whose stamps are all older, is read whole, and so is
every table with no mark: the first scan reads everything.

Each table is read once for its columns of many values: one query counts, for each of them,
the rows matching each pattern. A pattern runs only on values that hold what any of its
matches must hold (an ``@`` for an email, an 11-digit run starting 1[3-9] for a phone),
which answers the same and skips most of the regular-expression work. A column of few
values (a type, a platform, a list of sources: a 1% sample of the table's blocks shows at
most one distinct value in a hundred rows) is grouped by value first and the patterns run
on its distinct values, the counts weighted by their rows: the same counts, and at `large`
a tenth of the time for such a column of 18M rows. A table's columns of few values are
grouped in one read (grouping sets), not one read each. Samples are fetched only for the
columns that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path

import duckdb

from ingestion.warehouse import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS, connect

# RE2 (DuckDB) has no look-around: the boundaries are explicit groups.
PHONE_PATTERN = r"(^|[^0-9A-Za-z])(\+?86[ -]?)?1[3-9][0-9]{9}([^0-9A-Za-z]|$)"
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# kind → (pattern, a cheaper test that every match of the pattern passes)
PATTERNS = {
    "phone number": (PHONE_PATTERN, "regexp_matches({v}, '1[3-9][0-9]{{9}}')"),
    "email": (EMAIL_PATTERN, "contains({v}, '@')"),
}
SCANNED_TYPES = ("VARCHAR", "JSON")
# the columns that date a row, in the order they are looked for: a follower snapshot is
# dated by its snapshot_date, and a year of daily snapshots is not read whole every day
DATE_COLUMNS = ("business_date", "snapshot_date")
SAMPLES = 3
# a column is grouped by value when a SAMPLE_PERCENT sample of the table's blocks holds at
# least FEW_VALUES_MIN_ROWS rows and at most one distinct value per FEW_VALUES_RATIO rows
SAMPLE_PERCENT = 1
FEW_VALUES_MIN_ROWS = 1000
FEW_VALUES_RATIO = 100


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    kind: str
    rows: int
    masked_samples: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.table}.{self.column}: {self.rows} row(s) with a {self.kind} in clear"


def mask(text: str) -> str:
    """Keep the shape, hide the person: 139****5678, f***@example.com."""
    text = re.sub(r"1[3-9][0-9]{9}", lambda m: m[0][:3] + "****" + m[0][-4:], text)
    return re.sub(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@", r"\1***@", text)[:120]


# schema.table → [the newest stamp as ISO text, the rows stamped up to it]
Marks = dict[str, list]


def read_through(
    warehouse: Path,
    stamps: dict[str, str],
    *,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> Marks:
    """Each stamped table's newest stamp and its row count up to it: taken before a scan,
    so a row written while the scan reads is after the mark and read by the next one."""
    con = connect(warehouse, read_only=True, memory_limit=memory_limit, threads=threads)
    try:
        marks: Marks = {}
        for table, column in _stamped(con, stamps).items():
            source = ".".join(_quote(part) for part in table.split(".", 1))
            newest, rows = con.execute(
                f"select max({_quote(column)}), count({_quote(column)}) from {source}"
            ).fetchone()
            if newest is not None:
                marks[table] = [newest.isoformat(), rows]
        return marks
    finally:
        con.close()


def scan(
    warehouse: Path,
    start: date | None = None,
    end: date | None = None,
    *,
    stamps: dict[str, str] | None = None,
    since: Marks | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> list[Finding]:
    con = connect(warehouse, read_only=True, memory_limit=memory_limit, threads=threads)
    try:
        return scan_connection(con, start, end, stamps=stamps, since=since)
    finally:
        con.close()


def scan_connection(
    con: duckdb.DuckDBPyConnection,
    start: date | None = None,
    end: date | None = None,
    *,
    stamps: dict[str, str] | None = None,
    since: Marks | None = None,
) -> list[Finding]:
    columns = con.execute(
        """
        with dated as (
            select table_catalog, table_schema, table_name,
                min_by(column_name, list_position(?, column_name)) as date_column
            from information_schema.columns
            where list_contains(?, column_name) and data_type = 'DATE'
            group by all
        )
        select c.table_schema, c.table_name, c.column_name, d.date_column
        from information_schema.columns as c
        join information_schema.tables as t using (table_catalog, table_schema, table_name)
        left join dated as d using (table_catalog, table_schema, table_name)
        where t.table_type = 'BASE TABLE' and c.table_catalog = current_database()
            and (c.data_type in ? or c.data_type like '%[]')
        order by 1, 2, 3
        """,
        [list(DATE_COLUMNS), list(DATE_COLUMNS), list(SCANNED_TYPES)],
    ).fetchall()
    stamped = _stamped(con, stamps or {})
    findings = []
    for (schema, table, dated), rows in groupby(columns, key=lambda r: (r[0], r[1], r[3])):
        window = "true"
        if dated and start and end:
            window = f"{_quote(dated)} between '{start}' and '{end}'"
        elif f"{schema}.{table}" in stamped and f"{schema}.{table}" in (since or {}):
            window = _written_since(con, f"{schema}.{table}", stamped, since or {})
        findings += _scan_table(con, schema, table, [r[2] for r in rows], window)
    return findings


def _stamped(con: duckdb.DuckDBPyConnection, stamps: dict[str, str]) -> dict[str, str]:
    """The tables of ``stamps`` that exist, have no date to window by and whose stamp column
    is a timestamp (an integer build number restarts when its table is built from nothing)."""
    if not stamps:
        return {}
    rows = con.execute(
        """
        select table_schema || '.' || table_name, column_name
        from information_schema.columns
        where table_catalog = current_database()
            and data_type = 'TIMESTAMP WITH TIME ZONE'
        """
    ).fetchall()
    dated = {
        t
        for (t,) in con.execute(
            "select distinct table_schema || '.' || table_name from information_schema.columns "
            "where table_catalog = current_database() and list_contains(?, column_name) "
            "and data_type = 'DATE'",
            [list(DATE_COLUMNS)],
        ).fetchall()
    }
    timestamps = set(rows)
    return {
        table: column
        for table, column in stamps.items()
        if (table, column) in timestamps and table not in dated
    }


def _written_since(
    con: duckdb.DuckDBPyConnection, table: str, stamped: dict[str, str], since: Marks
) -> str:
    """The rows after the last passing scan's mark, or all of them when the rows up to the
    mark are not those that scan counted (more of them), or every stamp is older than it."""
    through, counted = since[table]
    column = _quote(stamped[table])
    source = ".".join(_quote(part) for part in table.split(".", 1))
    mark = f"cast({_literal(through)} as timestamptz)"
    older, rows = con.execute(
        f"select max({column}) < {mark}, count(*) filter (where {column} <= {mark}) from {source}"
    ).fetchone()
    if older is None or older or rows > counted:
        return "true"
    return f"({column} > {mark} or {column} is null)"


def _scan_table(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, columns: list[str], window: str
) -> list[Finding]:
    """Every column against both patterns: one read for the columns of many values, one
    grouped read per column of few values; samples of the matches."""
    source = f"{_quote(schema)}.{_quote(table)}"
    few = _few_valued(con, source, columns, window)
    many = [column for column in columns if column not in few]
    counts: dict[str, tuple[int, ...]] = {}
    if many:
        values = ", ".join(f"{_text(column)} as v{i}" for i, column in enumerate(many))
        found = con.execute(
            f"select {_counts(len(many), 'count(*) filter (where {})')} "
            f"from (select {values} from {source} where {window})"
        ).fetchone()
        for i, column in enumerate(many):
            counts[column] = tuple(found[i * len(PATTERNS) : (i + 1) * len(PATTERNS)])
    if few:
        grouped = sorted(few)
        found = con.execute(_grouped_counts(source, grouped, window)).fetchone()
        for i, column in enumerate(grouped):
            part = found[i * len(PATTERNS) : (i + 1) * len(PATTERNS)]
            counts[column] = tuple(int(n) for n in part)
    findings = []
    for column in columns:
        for rows, (kind, (pattern, _)) in zip(counts[column], PATTERNS.items(), strict=True):
            if not rows:
                continue
            samples = con.execute(
                f"select {_text(column)} from {source} where {window} "
                f"and regexp_matches({_text(column)}, {_literal(pattern)}) limit {SAMPLES}"
            ).fetchall()
            masked = tuple(mask(value) for (value,) in samples)
            findings.append(Finding(f"{schema}.{table}", column, kind, rows, masked))
    return findings


def _grouped_counts(source: str, columns: list[str], window: str) -> str:
    """One read for every column of few values: its distinct values by grouping sets, then
    the rows matching each pattern per column, weighted by each value's rows. grouping()
    has a bit per column, 0 on the rows grouped by it (the first column is the highest)."""
    k = len(columns)
    names = ", ".join(_quote(c) for c in columns)
    sets = ", ".join(f"({_quote(c)})" for c in columns)
    values = ", ".join(
        f"case when g = {(1 << k) - 1 - (1 << (k - 1 - i))} then {_text(c)} end as v{i}"
        for i, c in enumerate(columns)
    )
    return (
        f"select {_counts(k, 'coalesce(sum(n) filter (where {}), 0)')} from ("
        f"select {values}, n from ("
        f"select grouping({names}) as g, {names}, count(*) as n from {source} "
        f"where {window} group by grouping sets ({sets})))"
    )


def _counts(columns: int, aggregate: str) -> str:
    """For v0..v<columns - 1>, ``aggregate`` of the rows matching each pattern, in order;
    CASE runs the pattern only on the values its cheap test let through."""
    return ", ".join(
        aggregate.format(
            f"case when {test.format(v=f'v{i}')} "
            f"then regexp_matches(v{i}, {_literal(pattern)}) else false end"
        )
        for i in range(columns)
        for pattern, test in PATTERNS.values()
    )


def _few_valued(
    con: duckdb.DuckDBPyConnection, source: str, columns: list[str], window: str
) -> set[str]:
    """The columns that a sample of the table's blocks shows to hold few distinct values.
    A window is read first and its rows sampled: a sample of the whole table's blocks read
    1% of a year of raw JSON from disk to keep the few in one day (at `large`, 3 s of a
    day's scan), and the scan then reads the window's blocks anyway."""
    distinct = ", ".join(f"count(distinct {_quote(column)})" for column in columns)
    sampled = (
        f"{source} tablesample {SAMPLE_PERCENT}% (system)"
        if window == "true"
        else f"(select * from {source} where {window}) using sample {SAMPLE_PERCENT}% (system)"
    )
    rows, *values = con.execute(f"select count(*), {distinct} from {sampled}").fetchone()
    if rows < FEW_VALUES_MIN_ROWS:
        return set()
    return {c for c, n in zip(columns, values, strict=True) if n * FEW_VALUES_RATIO <= rows}


def _text(column: str) -> str:
    return f"cast({_quote(column)} as varchar)"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
