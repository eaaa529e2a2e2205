"""No phone number or email in clear anywhere in the warehouse (SPEC R-X1).

Every text and JSON column of every table is searched with two patterns. A phone is a
mainland mobile number standing alone (not inside a longer run of letters or digits, so
order ids and HMAC hex do not match); an email is anything shaped like ``a@b.cc``. Tables
with a ``business_date`` column are searched on the run's window only, the rest whole.
Findings name the table, column and count, and show values masked, never in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

# RE2 (DuckDB) has no look-around: the boundaries are explicit groups.
PHONE_PATTERN = r"(^|[^0-9A-Za-z])(\+?86[ -]?)?1[3-9][0-9]{9}([^0-9A-Za-z]|$)"
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
SCANNED_TYPES = ("VARCHAR", "JSON")
SAMPLES = 3


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


def scan(warehouse: Path, start: date | None = None, end: date | None = None) -> list[Finding]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return scan_connection(con, start, end)
    finally:
        con.close()


def scan_connection(
    con: duckdb.DuckDBPyConnection, start: date | None = None, end: date | None = None
) -> list[Finding]:
    columns = con.execute(
        """
        select c.table_schema, c.table_name, c.column_name, d.column_name is not null
        from information_schema.columns as c
        join information_schema.tables as t using (table_catalog, table_schema, table_name)
        left join information_schema.columns as d
            on d.table_catalog = c.table_catalog and d.table_schema = c.table_schema
            and d.table_name = c.table_name and d.column_name = 'business_date'
        where t.table_type = 'BASE TABLE' and c.table_catalog = current_database()
            and (c.data_type in ? or c.data_type like '%[]')
        order by 1, 2, 3
        """,
        [list(SCANNED_TYPES)],
    ).fetchall()
    findings = []
    for schema, table, column, dated in columns:
        name = f'"{schema}"."{table}"'
        text = f'cast("{column}" as varchar)'
        where = ""
        if dated and start and end:
            where = f"and business_date between '{start}' and '{end}'"
        for kind, pattern in (("phone number", PHONE_PATTERN), ("email", EMAIL_PATTERN)):
            matching = f"from {name} where regexp_matches({text}, ?) {where}"
            rows = con.execute(f"select count(*) {matching}", [pattern]).fetchall()[0][0]
            if rows:
                values = con.execute(
                    f"select {text} {matching} limit {SAMPLES}", [pattern]
                ).fetchall()
                samples = tuple(mask(value) for (value,) in values)
                findings.append(Finding(f"{schema}.{table}", column, kind, rows, samples))
    return findings
