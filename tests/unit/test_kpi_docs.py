"""Every published KPI column is described: the finder on a hand-made warehouse, and the
descriptions the dbt project gives (the end-to-end test runs the finder on the served file)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from expectations.column_docs import descriptions, undocumented_columns

MANIFEST = Path(__file__).parents[2] / "dbt_project" / "target" / "manifest.json"


def model(schema: str, name: str, columns: dict[str, str], alias: str | None = None) -> dict:
    return {
        "resource_type": "model",
        "schema": schema,
        "name": name,
        "alias": alias or name,
        "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
    }


def test_columns_without_a_description_are_found_in_the_tables_themselves():
    con = duckdb.connect()
    con.execute("create schema kpi")
    con.execute("create schema mart")
    # a column the SQL added and the YAML forgot (new_rate), one described by blanks (views)
    con.execute("create table kpi.daily (business_date date, views int, new_rate double)")
    con.execute("create table kpi.orphan (x int)")  # no model builds it
    con.execute("create table kpi.aliased (Business_Date date)")
    con.execute("create table mart.fct (y int)")  # not a KPI table
    manifest = {
        "nodes": {
            "model.p.daily": model(
                "kpi",
                "daily",
                {"business_date": "The day.", "views": "  ", "gone": "A column no longer built."},
            ),
            "model.p.kpi_aliased": model(
                "kpi", "kpi_aliased", {"business_date": "The day."}, alias="aliased"
            ),
            "model.p.fct": model("mart", "fct", {}),
            "test.p.not_null": {"resource_type": "test", "schema": "kpi", "name": "t"},
        }
    }
    assert undocumented_columns(con, manifest) == [
        "kpi.daily.new_rate",
        "kpi.daily.views",
        "kpi.orphan.x",
    ]
    assert undocumented_columns(con, manifest, ("kpi", "mart")) == [
        "kpi.daily.new_rate",
        "kpi.daily.views",
        "kpi.orphan.x",
        "mart.fct.y",
    ]
    con.execute("drop table kpi.orphan")
    con.execute("create or replace table kpi.daily (business_date date)")
    assert undocumented_columns(con, manifest) == []


@pytest.fixture(scope="module")
def manifest() -> dict:
    if not MANIFEST.exists():
        pytest.fail(f"{MANIFEST} is missing: make manifest")
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_every_kpi_model_describes_the_columns_it_lists(manifest: dict):
    kpi = descriptions(manifest, ["kpi"])
    assert len(kpi) >= 17
    assert {table: [] for table in kpi} == {
        table: sorted(c for c, text in columns.items() if not text)
        for table, columns in kpi.items()
    }
    # every table lists its columns, not only the tested ones (the segments' as-of row has
    # five: its date and the buyers' count and averages)
    assert [table for table, columns in kpi.items() if len(columns) < 6] == [
        "kpi.kpi_user_segments_as_of"
    ]
    assert len(kpi["kpi.kpi_user_segments_as_of"]) == 5
    # shared descriptions reach every roll-up, with the formula
    for table in ("kpi_account_weekly", "kpi_platform_monthly", "kpi_matrix_daily"):
        assert kpi[f"kpi.{table}"]["engagement_rate"] == "互动率 = interactions / views."
