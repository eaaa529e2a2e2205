"""Compare two published marts: the same tables, the same rows.

``python -m devtools.compare_published BEFORE.duckdb AFTER.duckdb`` compares every table of
the schemas ``mart`` and ``kpi`` of two serving files: the same tables, the same columns
and types, and the same rows as multisets (row order does not count). Floats are equal to
1e-9 relative. Unified user ids and the time a row was written are left aside
(``--ignore-column``, by default ``unified_user_id`` and ``updated_at``): another build draws
the first differently and runs at another time, so the columns are dropped before
comparing. Exits 0 when the marts are the same, 1 with every difference listed otherwise.

It changes nothing: both files are opened read-only.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

SCHEMAS = ("mart", "kpi")
IGNORED = ("unified_user_id", "updated_at")
REL_TOL = 1e-9
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass
class Comparison:
    tables: list[str] = field(default_factory=list)
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences


def _columns(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    rows = con.execute(
        "select table_schema || '.' || table_name, column_name, data_type "
        "from information_schema.columns where table_schema in "
        f"({', '.join('?' for _ in schemas)}) order by table_schema, table_name, ordinal_position",
        list(schemas),
    ).fetchall()
    for table, column, data_type in rows:
        found.setdefault(table, []).append((column, data_type))
    return found


def _hashable(value: Any) -> Any:
    """Lists (DuckDB LIST columns) and structs as tuples, so rows can be counted."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


def _floats_close(a: Sequence[Any], b: Sequence[Any], rel_tol: float) -> bool:
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if x is not y:
                return False
        elif math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                return False
        elif not math.isclose(x, y, rel_tol=rel_tol, abs_tol=0.0):
            return False
    return True


def compare_rows(
    before: list[tuple], after: list[tuple], float_columns: list[int], rel_tol: float = REL_TOL
) -> list[str]:
    """What differs between two lists of rows taken as multisets; empty when none."""
    if not float_columns:
        missing, extra = Counter(before) - Counter(after), Counter(after) - Counter(before)
        return _describe(missing, extra)
    # Group rows by their exact part; within a group, pair floats in sorted order.
    width = len((before or after or [()])[0])
    exact = [i for i in range(width) if i not in float_columns]

    def split(rows: list[tuple]) -> dict[tuple, list[tuple]]:
        groups: dict[tuple, list[tuple]] = {}
        for row in rows:
            groups.setdefault(tuple(row[i] for i in exact), []).append(
                tuple(row[i] for i in float_columns)
            )
        return groups

    left, right = split(before), split(after)
    missing: Counter = Counter()
    extra: Counter = Counter()
    for key in left.keys() | right.keys():
        a = sorted(left.get(key, []), key=_sortable)
        b = sorted(right.get(key, []), key=_sortable)
        if len(a) != len(b) or not all(
            _floats_close(x, y, rel_tol) for x, y in zip(a, b, strict=True)
        ):
            for x in a:
                missing[(*key, *x)] += 1
            for y in b:
                extra[(*key, *y)] += 1
    return _describe(missing, extra)


def _sortable(values: tuple) -> tuple:
    return tuple((v is None, 0.0 if v is None or math.isnan(v) else v) for v in values)


def _describe(missing: Counter, extra: Counter, sample: int = 3) -> list[str]:
    out = []
    if missing:
        out.append(f"{sum(missing.values())} row(s) only before, e.g. {list(missing)[:sample]}")
    if extra:
        out.append(f"{sum(extra.values())} row(s) only after, e.g. {list(extra)[:sample]}")
    return out


def compare(
    before: Path,
    after: Path,
    schemas: Sequence[str] = SCHEMAS,
    ignored: Sequence[str] = IGNORED,
    rel_tol: float = REL_TOL,
) -> Comparison:
    result = Comparison()
    old = duckdb.connect(str(before), read_only=True)
    new = duckdb.connect(str(after), read_only=True)
    try:
        old_columns, new_columns = _columns(old, schemas), _columns(new, schemas)
        for table in sorted(old_columns.keys() - new_columns.keys()):
            result.differences.append(f"{table}: only before")
        for table in sorted(new_columns.keys() - old_columns.keys()):
            result.differences.append(f"{table}: only after")
        for table in sorted(old_columns.keys() & new_columns.keys()):
            result.tables.append(table)
            columns = [c for c in old_columns[table] if c[0] not in ignored]
            if columns != [c for c in new_columns[table] if c[0] not in ignored]:
                result.differences.append(
                    f"{table}: columns differ: {old_columns[table]} vs {new_columns[table]}"
                )
                continue
            select = ", ".join(f'"{name}"' for name, _ in columns)
            rows_before = [
                tuple(map(_hashable, row))
                for row in old.execute(f"select {select} from {table}").fetchall()
            ]
            rows_after = [
                tuple(map(_hashable, row))
                for row in new.execute(f"select {select} from {table}").fetchall()
            ]
            result.rows += len(rows_before)
            floats = [i for i, (_, kind) in enumerate(columns) if kind in FLOAT_TYPES]
            for difference in compare_rows(rows_before, rows_after, floats, rel_tol):
                result.differences.append(f"{table}: {difference}")
    finally:
        old.close()
        new.close()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--schema", action="append", dest="schemas")
    parser.add_argument("--ignore-column", action="append", dest="ignored")
    parser.add_argument("--rel-tol", type=float, default=REL_TOL)
    args = parser.parse_args(argv)
    result = compare(
        args.before,
        args.after,
        tuple(args.schemas or SCHEMAS),
        tuple(args.ignored or IGNORED),
        args.rel_tol,
    )
    for line in result.differences:
        print(line)
    verdict = "same" if result.same else f"{len(result.differences)} difference(s)"
    print(f"{len(result.tables)} tables, {result.rows} rows before: {verdict}")
    return 0 if result.same else 1


if __name__ == "__main__":
    sys.exit(main())
