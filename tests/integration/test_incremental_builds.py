"""Day-by-day incremental builds give the marts a full build from nothing gives, and a
rebuild of the same days publishes the same rows.

Every incremental model (per-day staging, people's staging, content facts, snapshot
differences, KPI days, content totals, alerts) is exercised the way the daily run uses it:
history built once, then one new day at a time with the day's window. The same raw, built
in one run without a window, must give the same rows in every mart and kpi table.
Unified user ids are left out of the comparison: a build on a previous bridge keeps its
ids (stable ids, docs/requirements.md R-U4), one from nothing derives them afresh; the
clusters are the same.
"""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from devtools.simulator import scale
from devtools.simulator.model import SCALES
from tests.helpers import dbt_warehouse, finish_dbt, start_dbt

SPEC = SCALES["tiny"]
KEY = b"test-hash-key-0123456789"
SCHEMAS = ("mart", "kpi")


def generate(warehouse: Path, start: date, end: date, history_start: date) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        scale.generate(con, SPEC, start, end, history_start=history_start, hash_key=KEY)
    finally:
        con.close()


def dbt_build(root: Path, window: tuple[date, date] | None) -> subprocess.Popen:
    """Seeds and models of ``dbt_warehouse(root)`` (the data tests run in the e2e pipeline),
    as the daily job builds them; started (``finish_dbt`` waits)."""
    args = ["--quiet", "--exclude", "resource_type:test resource_type:unit_test"]
    return start_dbt("build", root, *args, window=window)


def reverse_raw(warehouse: Path) -> None:
    """Every raw table's rows stored in reverse: a build must not depend on their order."""
    con = duckdb.connect(str(warehouse))
    try:
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall():
            con.execute(
                f"create or replace table raw.{table} as "
                f"select * from raw.{table} order by rowid desc"
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(day by day, all at once, all at once again on the raw in reverse) over the same raw."""
    root = tmp_path_factory.mktemp("incremental")
    by_day, at_once, once_more = root / "daily", root / "whole", root / "again"
    daily, whole, again = dbt_warehouse(by_day), dbt_warehouse(at_once), dbt_warehouse(once_more)
    start, end = scale.history(SPEC)
    history_end = end - timedelta(days=2)
    new_days = [history_end + timedelta(days=n) for n in (1, 2)]
    # the same raw in all (the generator is a function of the day): the history, then
    # each new day as the daily runs load them; the test checks the raws are equal
    generate(daily, start, history_end, start)
    generate(whole, start, history_end, start)
    for day in new_days:
        generate(whole, day, day, start)
    again.write_bytes(whole.read_bytes())
    reverse_raw(again)
    # the builds from nothing run beside the day-by-day builds
    from_nothing = [dbt_build(at_once, None), dbt_build(once_more, None)]
    finish_dbt(dbt_build(by_day, None), by_day)
    for day in new_days:
        generate(daily, day, day, start)
        finish_dbt(dbt_build(by_day, (day, day)), by_day)
    for process, folder in zip(from_nothing, (at_once, once_more), strict=True):
        finish_dbt(process, folder)
    return daily, whole, again


@pytest.fixture(scope="module")
def builds(warehouses) -> tuple[Path, Path]:
    """(day by day, all at once) warehouses over the same raw."""
    return warehouses[0], warehouses[1]


def comparable(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> str:
    """The table's rows with floats rounded (DuckDB sums doubles in parallel) and unified
    user ids left out."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [db, schema, table],
    ).fetchall()
    select = [
        f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in columns
        if "unified_user_id" not in name
    ]
    return f"select {', '.join(select)} from {db}.{schema}.{table}"


def test_daily_builds_equal_a_build_from_nothing(builds):
    daily, whole = builds
    con = duckdb.connect()
    try:
        con.execute(f"attach '{daily}' as daily (read_only)")
        con.execute(f"attach '{whole}' as whole (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'whole' and table_schema in ? order by 1, 2",
            [list(SCHEMAS)],
        ).fetchall()
        assert len(tables) >= 29  # every contract table of the mart and kpi schemas
        raw = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'whole' and table_schema = 'raw' order by 1"
        ).fetchall()
        assert len(raw) > 10
        for (table,) in raw:  # both builds read the same raw
            for a, b in (("daily", "whole"), ("whole", "daily")):
                only = f"select * from {a}.raw.{table} except all select * from {b}.raw.{table}"
                assert con.execute(f"select count(*) from ({only})").fetchall()[0][0] == 0, table
        differences = {}
        for schema, table in tables:
            a = comparable(con, "daily", schema, table)
            b = comparable(con, "whole", schema, table)
            rows = con.execute(f"select count(*) from ({b})").fetchall()[0][0]
            extra = con.execute(f"select count(*) from ({a} except all {b})").fetchall()[0][0]
            missing = con.execute(f"select count(*) from ({b} except all {a})").fetchall()[0][0]
            if extra or missing:
                differences[f"{schema}.{table}"] = (rows, extra, missing)
        # the facts that grow with the days are not empty: the comparison compares something
        for table in ("mart.fct_content_daily", "kpi.kpi_account_daily", "mart.fct_orders"):
            schema, name = table.split(".")
            assert con.execute(f"select count(*) from whole.{schema}.{name}").fetchall()[0][0]
        # alerts of the last day, which the last daily run rebuilt from its window's lookback
        last_day_alerts = con.execute(
            "select count(distinct alert_type) from whole.kpi.kpi_alerts where business_date = "
            "(select max(business_date) from whole.mart.fct_content_daily)"
        ).fetchall()[0][0]
        assert last_day_alerts >= 2
    finally:
        con.close()
    assert differences == {}, f"table: (rows, only day by day, only from nothing) {differences}"


def tables_of(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and table_schema in ? order by 1, 2",
        [db, list(SCHEMAS)],
    ).fetchall()


def test_a_rebuild_of_the_same_days_publishes_identical_rows(warehouses):
    _, whole, rebuilt = warehouses
    con = duckdb.connect()
    try:
        con.execute(f"attach '{whole}' as whole (read_only)")
        con.execute(f"attach '{rebuilt}' as again (read_only)")
        tables = tables_of(con, "whole")
        assert tables == tables_of(con, "again")
        differences = {}
        for schema, table in tables:
            a, b = f"whole.{schema}.{table}", f"again.{schema}.{table}"
            rows = con.execute(f"select count(*) from {a}").fetchall()[0][0]
            extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchall()
            missing = con.execute(f"select count(*) from (from {b} except all from {a})").fetchall()
            extra, missing = extra[0][0], missing[0][0]
            if extra or missing:
                differences[f"{schema}.{table}"] = (rows, extra, missing)
    finally:
        con.close()
    assert differences == {}, f"table: (rows, only first build, only rebuild) {differences}"
