"""Publishing and the suite files, on small hand-made warehouses (no pipeline)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.runner import Suite
from serving import fingerprints, publishing, served_copy
from serving import parquet as parquet_module
from serving.parquet import PARTITIONED
from serving.publishing import (
    PublishError,
    column_classes,
    personal_columns,
    publish,
    stamped_columns,
    unique_keys,
)


def make_warehouse(path: Path, people: int) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema mart; create schema kpi; create schema raw")
        con.execute(
            "create table mart.bridge_user_identity as select 'douyin_open_id' as id_type, "
            f"'open-' || range as id_value, 'u' || range as unified_user_id from range({people})"
        )
        con.execute("create table kpi.kpi_daily as select range as views from range(3)")
        con.execute("create table raw.secret as select 'not published' as x")
    finally:
        con.close()


def test_publish_withholds_personal_columns_and_records_the_publication(tmp_path: Path):
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "serving" / "s.duckdb"
    make_warehouse(warehouse, people=4)
    (tmp_path / "serving").mkdir()
    (tmp_path / "serving" / ".s.duckdb.killed-run.tmp").write_bytes(b"half a file")

    result = publish(
        warehouse, serving, tmp_path / "serving" / "parquet", "run-1",
        {"mart.bridge_user_identity": {"id_value"}},
    )  # fmt: skip

    assert result.tables == {"kpi.kpi_daily": 3, "mart.bridge_user_identity": 4}
    con = duckdb.connect(str(serving), read_only=True)
    try:
        columns = con.execute(
            "select column_name from information_schema.columns "
            "where table_name = 'bridge_user_identity'"
        ).fetchall()
        run_id, tables = con.execute("select run_id, tables from meta.publication").fetchone()
        schemas = con.execute("select schema_name from information_schema.schemata").fetchall()
    finally:
        con.close()
    assert [c for (c,) in columns] == ["id_type", "unified_user_id"]
    assert (run_id, json.loads(tables)) == ("run-1", result.tables)
    assert ("raw",) not in schemas
    parquet = tmp_path / "serving" / "parquet"
    assert parquet.is_symlink()
    publication = json.loads((parquet / "_publication.json").read_text())
    assert publication["tables"] == result.tables
    count = duckdb.connect().execute(f"select count(*) from '{parquet}/kpi/kpi_daily.parquet'")
    assert count.fetchone() == (3,)
    assert not list((tmp_path / "serving").glob(".s.duckdb.*"))  # the killed run's leftover


def test_a_failed_publish_leaves_the_served_files_as_they_were(tmp_path: Path):
    warehouse, serving = tmp_path / "wh.duckdb", tmp_path / "s.duckdb"
    parquet = tmp_path / "parquet"
    make_warehouse(warehouse, people=2)
    publish(warehouse, serving, parquet, "run-1")
    before = hashlib.sha256(serving.read_bytes()).hexdigest(), os.readlink(parquet)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()

    with pytest.raises(PublishError, match="nothing to publish"):
        publish(empty, serving, parquet, "run-2")

    assert (hashlib.sha256(serving.read_bytes()).hexdigest(), os.readlink(parquet)) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_publishing_keeps_the_live_and_previous_parquet_folders_only(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_warehouse(warehouse, people=2)
    links = []
    for run in ("a", "b", "c"):
        publish(warehouse, serving, parquet, run)
        links.append(os.readlink(parquet))
    assert sorted(p.name for p in tmp_path.glob("pq-*")) == sorted(links[1:])
    # the one before those is set aside, and removed by the next publish
    assert [p.name for p in tmp_path.glob(".pq-*")] == [f".{links[0]}.old"]
    publish(warehouse, serving, parquet, "d")
    assert [p.name for p in tmp_path.glob(".pq-*")] == [f".{links[1]}.old"]


def test_classification_comes_from_the_column_else_the_model():
    manifest = {
        "nodes": {
            "model.x.bridge": {
                "resource_type": "model",
                "schema": "mart",
                "name": "bridge",
                "config": {"meta": {"classification": "internal"}},
                "columns": {
                    "id_value": {"config": {"meta": {"classification": "personal"}}},
                    "unified_user_id": {"meta": {}},
                },
            },
            "model.x.dim_date": {
                "resource_type": "model",
                "schema": "mart",
                "name": "dim_date",
                "config": {"meta": {"classification": "public"}},
                "columns": {},
            },
            "model.x.fct": {
                "resource_type": "model",
                "schema": "mart",
                "name": "fct",
                "config": {
                    "meta": {"classification": "internal", "written_by": "updated_at"},
                    "unique_key": ["content_key", "business_date"],
                },
                "columns": {},
            },
            "model.x.stg": {
                "resource_type": "model",
                "schema": "staging",
                "name": "stg",
                "config": {"meta": {"written_by": "updated_at"}, "unique_key": "id"},
            },
            "model.x.dim_account": {  # a key but no stamp: its rows cannot be told new
                "resource_type": "model",
                "schema": "mart",
                "name": "dim_account",
                "config": {"meta": {"classification": "internal"}, "unique_key": "account"},
                "columns": {},
            },
        }
    }
    classes = column_classes(manifest)
    assert classes == {
        "mart.bridge": {"*": "internal", "id_value": "personal", "unified_user_id": "internal"},
        "mart.dim_account": {"*": "internal"},
        "mart.dim_date": {"*": "public"},
        "mart.fct": {"*": "internal"},
    }
    assert personal_columns(manifest) == {
        "mart.bridge": {"id_value"},
        "mart.dim_account": set(),
        "mart.dim_date": set(),
        "mart.fct": set(),
    }
    assert stamped_columns(manifest) == {"mart.fct": "updated_at"}  # published models only
    assert unique_keys(manifest) == {"mart.fct": ("content_key", "business_date")}


def test_every_suite_file_loads_and_names_an_asset():
    suites = Suite.all()
    assert len(suites) >= 10
    layers = {s.name.split("__")[0] for s in suites}
    assert layers == {"raw", "staging", "mart", "kpi"}
    for suite in suites:
        assert suite.expectations, suite.name
        assert suite.asset[0] in {"raw", "staging", "intermediate", "mart", "kpi"}, suite.name
    assert [s.name for s in suites if not s.blocking] == ["kpi__row_volume"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("table: a.b\nquery: select 1\nexpectations: []", "exactly one of 'table' and 'query'"),
        ("query: select 1\nexpectations: []", "names the 'asset'"),
        ("table: a.b\nseverity: fatal\nexpectations: []", "severity must be one of"),
        ("table: a.b\nexpectations: [expect_x]", "expectation 1 must be one"),
    ],
)
def test_a_malformed_suite_names_its_file_and_the_problem(tmp_path: Path, text: str, message: str):
    (tmp_path / "broken.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        Suite.load("broken", tmp_path)
    assert "broken.yml" in str(error.value)


def test_warnings_show_but_do_not_gate_publishing():
    from orchestration.checks import GATING_CHECKS, suite_checks

    specs = {spec.name: spec for check in suite_checks for spec in check.check_specs}
    assert specs["gx_kpi__row_volume"].blocking is False
    gating = {key.name for key in GATING_CHECKS}
    assert "gx_kpi__row_volume" not in gating
    assert {name for name, spec in specs.items() if spec.blocking} <= gating
    assert "no_clear_pii_in_warehouse" in gating


def make_dated_warehouse(path: Path) -> None:
    """A dated fact (5 days of 4 rows), a dimension, the identity bridge and a KPI."""
    make_warehouse(path, people=4)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create table mart.fct_daily as select date '2026-11-01' + (range // 4)::int "
            "as business_date, range % 4 as content_id, range * 10 as views from range(20)"
        )
        con.execute(
            "create table mart.dim_content as select range as content_id, "
            "'title ' || range as title from range(4)"
        )
    finally:
        con.close()


def sql(path: Path, statement: str) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(statement).fetchall()
    finally:
        con.close()


def served(path: Path) -> dict[str, list[tuple]]:
    """Every served table with its columns, rows sorted: what two publishes must agree on."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('mart', 'kpi') order by 1"
        ).fetchall()
        return {
            t: [tuple(c[:2] for c in con.execute(f"describe {t}").fetchall())]
            + con.execute(f"select * from {t} order by all").fetchall()
            for (t,) in names
        }
    finally:
        con.close()


def full_copy(warehouse: Path, tmp_path: Path, withheld=None) -> dict[str, list[tuple]]:
    """What a publish from nothing serves, for comparison."""
    fresh = tmp_path / "fresh"
    publish(warehouse, fresh / "s.duckdb", fresh / "pq", "fresh-run", withheld)
    return served(fresh / "s.duckdb")


WITHHELD = {"mart.bridge_user_identity": {"id_value"}}


def test_a_second_publish_rewrites_only_the_changed_date(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    first = publish(warehouse, serving, parquet, "run-1", WITHHELD)
    assert first.full_reason == "no earlier publish" and first.reused == []

    sql(warehouse, "update mart.fct_daily set views = views + 1 where business_date = '2026-11-03'")
    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.full_reason is None
    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-03"}
    assert sorted(second.reused) == sorted(set(second.tables) - {"mart.fct_daily"})
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    publication = json.loads((parquet / "_publication.json").read_text())
    assert publication["run_id"] == "run-2" and publication["tables"] == second.tables
    day = duckdb.connect().execute(
        f"select sum(views) from '{parquet}/mart/fct_daily.parquet' "
        "where business_date = '2026-11-03'"
    )
    assert day.fetchone() == (sum(range(80, 120, 10)) + 4,)


def test_a_weekly_roll_up_is_rewritten_by_period(tmp_path: Path):
    """A day changes the current week of every account: that period's rows are rewritten,
    and a new period is added, without the others; a rebuild from nothing serves the same."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_warehouse(warehouse, people=2)
    sql(
        warehouse,
        "create table kpi.kpi_weekly as select date '2026-10-05' + 7 * (range // 3)::int "
        "as period_start, range % 3 as account, range as views from range(12)",
    )
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, "update kpi.kpi_weekly set views = views + 1 where period_start = '2026-10-26'")
    sql(warehouse, "insert into kpi.kpi_weekly values (date '2026-11-02', 0, 99)")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.rewritten == {"kpi.kpi_weekly": "2 period(s) rewritten: 2026-10-26, 2026-11-02"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def test_a_changed_date_keeps_its_unchanged_rows_where_they_are(tmp_path: Path):
    """Of a changed date, only the rows that differ are deleted and inserted: the others keep
    their place (row id) in the served file, and the date reads as the warehouse's."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    day = "business_date = '2026-11-03'"
    rows = f"select rowid, content_id from mart.fct_daily where {day} order by content_id"
    before = sql(serving, rows)
    sql(warehouse, f"update mart.fct_daily set views = -1 where {day} and content_id = 2")
    sql(warehouse, f"delete from mart.fct_daily where {day} and content_id = 3")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-03"}
    after = sql(serving, rows)
    assert after[:2] == before[:2]  # content 0 and 1: the same rows, not written again
    assert [c for _, c in after] == [0, 1, 2] and after[2] != before[2]
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def test_repeated_rows_of_a_changed_date_are_counted_right(tmp_path: Path):
    """Two equal rows have one hash: a date that loses one of them is written whole."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    day = "business_date = '2026-11-03'"
    sql(warehouse, f"insert into mart.fct_daily select * from mart.fct_daily where {day}")
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(
        warehouse,
        f"delete from mart.fct_daily where rowid in (select min(rowid) from mart.fct_daily "
        f"where {day} group by content_id)",
    )

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.full_reason is None
    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-03"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def test_parquet_of_unchanged_tables_are_hard_links_to_the_previous_folder(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    before = parquet.resolve()
    sql(warehouse, "update mart.dim_content set title = 'renamed' where content_id = 2")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    after = parquet.resolve()
    assert after != before
    assert sorted(second.parquet_linked) == sorted(set(second.tables) - {"mart.dim_content"})
    for table in second.tables:
        relative = table.replace(".", "/") + ".parquet"
        same_file = os.path.samefile(before / relative, after / relative)
        assert same_file == (table != "mart.dim_content"), table
    titles = duckdb.connect().execute(f"select title from '{after}/mart/dim_content.parquet'")
    assert ("renamed",) in titles.fetchall()


def test_a_parquet_folder_of_another_publish_is_not_reused(tmp_path: Path):
    """A publish killed between the two swaps left the link on the folder before: that
    folder is not the served file's, so every Parquet file is written again."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    stale = os.readlink(parquet)
    sql(warehouse, "update mart.fct_daily set views = 0 where business_date = '2026-11-05'")
    publish(warehouse, serving, parquet, "run-2", WITHHELD)
    os.replace(parquet, tmp_path / "pq-kept")  # the link back on run-1's folder
    parquet.symlink_to(stale)

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD)

    assert third.rewritten == {} and third.parquet_linked == []
    zero = duckdb.connect().execute(
        f"select sum(views) from '{parquet}/mart/fct_daily.parquet' "
        "where business_date = '2026-11-05'"
    )
    assert zero.fetchone() == (0,)


def test_a_copy_staged_while_dbt_builds_is_what_the_publish_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The run's dbt step stages the copy of the served file; its publish takes it by a
    rename (no copy of its own). A staged copy of a file another publish has replaced since
    is not taken; one left by a run that never published goes at the next publish."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    staging = served_copy.stage(serving, "run-2")
    assert staging is not None
    staging.join()
    sql(warehouse, "update mart.fct_daily set views = 7 where business_date = '2026-11-02'")

    with monkeypatch.context() as patched:  # a publish that copied would fail here
        patched.setattr(shutil, "copyfile", lambda *_: pytest.fail("copied, not taken"))
        second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.full_reason is None
    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-02"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    # staged for run-3, then run-x of another process publishes a change: run-3 copies
    # the file run-x served
    stale = served_copy.stage(serving, "run-3")
    assert stale is not None
    stale.join()
    sql(warehouse, "update mart.fct_daily set views = 8 where business_date = '2026-11-03'")
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(served_copy, "_STAGED", {})
        elsewhere.setattr(served_copy, "discard_others", lambda *_: None)
        publish(warehouse, serving, parquet, "run-x", WITHHELD)

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD)

    assert third.rewritten == {}  # the stale copy would have needed 2026-11-03 rewritten
    assert sorted(third.parquet_linked) == sorted(third.tables)
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    # a run staged and ended before its publish (a failed gate), and a killed run's file
    assert served_copy.stage(serving, "run-4") is not None
    killed = tmp_path / ".s.duckdb.killed00.staged"
    killed.write_bytes(b"half a copy")
    publish(warehouse, serving, parquet, "run-5", WITHHELD)
    assert not list(tmp_path.glob(".s.duckdb.*"))


@pytest.mark.parametrize(
    "change",
    [
        # the same rows per column, paired differently: counts and column sums agree
        "update mart.dim_content set title = case content_id when 0 then 'title 1' "
        "when 1 then 'title 0' else title end",
        # two equal rows become two other equal rows (an XOR of hashes alone cancels out)
        "update mart.dim_content set title = 'same' where content_id in (0, 1)",
        # a dated table: one value of one day, the count unchanged
        "update mart.fct_daily set views = -1 where business_date = '2026-11-02' "
        "and content_id = 3",
    ],
)
def test_a_change_of_values_with_the_same_row_count_is_detected(tmp_path: Path, change: str):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "update mart.dim_content set title = 'twin' where content_id in (0, 1)")
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, change)

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert len(second.rewritten) == 1
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


@pytest.mark.parametrize(
    ("change", "withheld"),
    [
        ("alter table mart.fct_daily add column clicks bigint default 7", WITHHELD),
        ("alter table mart.fct_daily alter views type double", WITHHELD),
        ("select 1", {**WITHHELD, "mart.dim_content": {"title"}}),  # newly classified personal
    ],
)
def test_a_change_of_columns_replaces_the_table(tmp_path: Path, change: str, withheld):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, change)

    second = publish(warehouse, serving, parquet, "run-2", withheld)

    assert list(second.rewritten.values()) == ["whole table: columns or types changed"]
    assert served(serving) == full_copy(warehouse, tmp_path, withheld)


def test_tables_that_appear_or_go_and_many_changed_dates(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, "drop table kpi.kpi_daily; create table kpi.kpi_new as select 1 as n")
    sql(warehouse, "update mart.fct_daily set views = 1 where business_date >= '2026-11-02'")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.rewritten == {
        "kpi.kpi_new": "whole table: new table",
        "mart.fct_daily": "whole table: 4 of 5 date(s) changed, 16 rows",
    }
    assert "kpi.kpi_daily" not in second.tables
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    assert not (parquet / "kpi" / "kpi_daily.parquet").exists()


def test_a_changed_row_count_is_a_change_without_hashing_the_rows(tmp_path: Path):
    """Counting comes first: an undated table with a row more, or a dated one whose counts
    moved on most of its rows' dates, is rewritten whole on the counts alone."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, "insert into mart.dim_content values (4, 'title 4')")
    sql(warehouse, "delete from mart.fct_daily where business_date >= '2026-11-02' and views = 50")
    sql(warehouse, "insert into mart.fct_daily select business_date, 9, 1 from mart.fct_daily")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.rewritten == {
        "mart.dim_content": "whole table: row count changed",
        "mart.fct_daily": "whole table: 5 of 5 date(s) recounted, 38 rows",
    }
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def hashed_sides(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """(table, side, rows) of every fingerprint taken from now on: side ``wh`` or
    ``served``, rows the SQL condition of the rows hashed."""
    calls: list[tuple[str, str, str]] = []
    take = fingerprints.fingerprints

    def logged(con, table, keys, catalog=None, where="true"):
        calls.append((table.qualified, catalog or "served", where))
        return take(con, table, keys, catalog, where)

    monkeypatch.setattr(fingerprints, "fingerprints", logged)
    monkeypatch.setattr(publishing, "fingerprints", logged)
    return calls


def record_is_the_served_tables(serving: Path, name: str) -> None:
    """The fingerprints the publish recorded of table ``name`` are those of its served rows
    (an update derives them from the rows it moved; the next publish trusts them)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        recorded = fingerprints.read_recorded(con)[name]
        catalog = con.execute("select current_database()").fetchone()[0]
        table = fingerprints.tables_of(con, catalog, ("mart", "kpi"), {})[name]
        assert recorded.prints == fingerprints.fingerprints(con, table, recorded.keys)
    finally:
        con.close()


def test_a_dated_tables_served_side_is_read_from_the_record_its_publish_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A publish records the fingerprints of the tables it compares by partition in its
    file; the next one hashes the warehouse's side alone, and serves the same as ever."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)  # from nothing: no record
    calls = hashed_sides(monkeypatch)
    sql(warehouse, "update mart.fct_daily set views = 1 where business_date = '2026-11-02'")
    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)
    assert second.full_reason is None
    assert ("mart.fct_daily", "served", "true") in calls  # nothing recorded yet: hashed
    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-02"}
    [(keys, parts)] = sql(
        serving, "select keys, parts from meta.fingerprints where table_name = 'mart.fct_daily'"
    )
    assert json.loads(keys) == ["business_date"] and len(json.loads(parts)) == 5

    calls.clear()
    sql(warehouse, "update mart.fct_daily set views = 2 where business_date = '2026-11-04'")
    third = publish(warehouse, serving, parquet, "run-3", WITHHELD)

    assert third.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-04"}
    sides = {(table, side) for table, side, _ in calls}
    assert ("mart.fct_daily", "wh") in sides and ("mart.fct_daily", "served") not in sides
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    # the undated tables are hashed on both sides, as before
    assert ("mart.dim_content", "served") in sides


def test_a_stamped_tables_dates_written_since_the_last_publish_alone_are_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Of a table whose builds stamp every row they write (dbt meta written_by), the
    warehouse's dates hashed are those with a row stamped since the record's latest stamp,
    or whose counts moved (a delete writes no row); the others kept their rows."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "alter table mart.fct_daily add column updated_at timestamptz")
    sql(warehouse, "update mart.fct_daily set updated_at = timestamptz '2026-11-06 02:00+08'")
    stamped = {"mart.fct_daily": "updated_at"}
    for run in ("run-1", "run-2"):  # the second records the fingerprints and latest stamp
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=stamped)
    [(stamped_to,)] = sql(
        serving, "select stamped_to from meta.fingerprints where table_name = 'mart.fct_daily'"
    )
    assert stamped_to.startswith("2026-11-0")
    calls = hashed_sides(monkeypatch)
    sql(
        warehouse,
        "update mart.fct_daily set views = 7, updated_at = timestamptz '2026-11-07 02:00+08' "
        "where business_date = '2026-11-02' and content_id = 0",
    )
    sql(
        warehouse,
        "delete from mart.fct_daily where business_date = '2026-11-04' and content_id = 3",
    )

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD, stamped=stamped)

    assert third.rewritten == {"mart.fct_daily": "2 date(s) rewritten: 2026-11-02, 2026-11-04"}
    # the dates with a row stamped since, or whose count moved, changed for certain: only
    # theirs are hashed, once their rows are replaced (for the record)
    [where] = [where for table, _, where in calls if table == "mart.fct_daily"]
    assert "2026-11-02" in where and "2026-11-04" in where and "2026-11-03" not in where
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    record_is_the_served_tables(serving, "mart.fct_daily")


def test_dates_whose_every_row_was_written_since_are_replaced_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A model that rebuilds its window restamps every row of its dates: those dates are
    replaced whole, without comparing a row; a date only partly written is compared."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "alter table mart.fct_daily add column updated_at timestamptz")
    sql(warehouse, "update mart.fct_daily set updated_at = timestamptz '2026-11-06 02:00+08'")
    stamped = {"mart.fct_daily": "updated_at"}
    for run in ("run-1", "run-2"):
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=stamped)
    hashed = rows_compared_by_hash(monkeypatch)
    sql(warehouse, "update mart.fct_daily set views = views + 1, updated_at = "
        "timestamptz '2026-11-07 02:00+08' where business_date = '2026-11-05'")  # fmt: skip

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD, stamped=stamped)

    assert third.rewritten == {
        "mart.fct_daily": "1 date(s) rewritten: 2026-11-05"
        " (every row written since: partitions whole)"
    }
    assert hashed == []
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    record_is_the_served_tables(serving, "mart.fct_daily")

    sql(warehouse, "update mart.fct_daily set views = 0, updated_at = timestamptz "
        "'2026-11-08 02:00+08' where content_id = 0 and business_date < '2026-11-03'")  # fmt: skip
    fourth = publish(warehouse, serving, parquet, "run-4", WITHHELD, stamped=stamped)
    assert hashed == ["mart.fct_daily"]  # a row of each of two dates: their rows compared
    assert fourth.rewritten == {"mart.fct_daily": "2 date(s) rewritten: 2026-11-01, 2026-11-02"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    record_is_the_served_tables(serving, "mart.fct_daily")


def test_a_stamp_column_the_warehouse_table_lacks_yet_is_not_used(tmp_path: Path):
    """The manifest names the stamp before the build that adds the column has run: that
    table is hashed whole, and the publish goes on."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    stamped = {"mart.fct_daily": "updated_at"}
    for run in ("run-1", "run-2"):
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=stamped)
    sql(warehouse, "update mart.fct_daily set views = 3 where business_date = '2026-11-05'")

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD, stamped=stamped)

    assert third.full_reason is None
    assert third.rewritten == {"mart.fct_daily": "1 date(s) rewritten: 2026-11-05"}


def test_a_record_the_served_rows_do_not_match_is_not_trusted(tmp_path: Path):
    """A served date whose rows no longer count what the record says (changed by something
    other than a publish) is hashed again, found to differ and rewritten."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    publish(warehouse, serving, parquet, "run-2", WITHHELD)  # records the fingerprints
    sql(serving, "delete from mart.fct_daily where business_date = '2026-11-03' and content_id = 1")
    sql(serving, "insert into mart.fct_daily values ('2026-11-03', 1, 999)")
    sql(serving, "insert into mart.fct_daily values ('2026-11-05', 1, 999)")

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD)

    assert third.rewritten == {"mart.fct_daily": "2 date(s) rewritten: 2026-11-03, 2026-11-05"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


@pytest.mark.parametrize(
    ("change", "rewritten"),
    [
        # a person more and one changed: two rows in, one out, the other three kept
        (
            "insert into mart.bridge_user_identity values ('douyin_open_id', 'open-10', 'u10'); "
            "update mart.bridge_user_identity set unified_user_id = 'u0' where id_value = 'open-1'",
            "differing rows: row count changed (1 out, 2 in)",
        ),
        # a repeated row once more: the hashes cannot tell, the count does
        (
            "insert into mart.bridge_user_identity select * from mart.bridge_user_identity "
            "where id_value = 'open-2'",
            "differing rows: row count changed, a repeated row: whole table",
        ),
        # most rows differ: the whole table
        (
            "update mart.bridge_user_identity set unified_user_id = 'v' || unified_user_id "
            "where id_value <> 'open-0'",
            "differing rows: content changed, 50% of its rows or more differ: whole table",
        ),
    ],
)
def test_a_large_undated_table_has_its_differing_rows_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, rewritten: str
):
    """The people and contents gain or move a few rows of millions a day: only those are
    written into the copy of the served file (its Parquet file is written whole)."""
    monkeypatch.setattr(fingerprints, "ROW_UPDATE_MIN_ROWS", 10)
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "insert into mart.bridge_user_identity select 'douyin_open_id', "
        "'open-' || range, 'u' || range from range(4, 10)")  # fmt: skip
    publish(warehouse, serving, parquet, "run-1")
    sql(warehouse, change)

    second = publish(warehouse, serving, parquet, "run-2")

    assert second.rewritten == {"mart.bridge_user_identity": rewritten}
    assert served(serving) == full_copy(warehouse, tmp_path)
    bridge = parquet / "mart" / "bridge_user_identity.parquet"
    count = duckdb.connect().execute(f"select count(*) from '{bridge}'").fetchone()[0]
    assert count == second.tables["mart.bridge_user_identity"]


def stamped_people(path: Path) -> None:
    """A people table of 12 rows, one per unified_user_id, each stamped when written."""
    sql(
        path,
        "create table mart.dim_unified_user as select 'u' || range as unified_user_id, "
        "range % 3 as platforms, timestamptz '2026-11-01 02:00+08' as updated_at "
        "from range(12)",
    )


PEOPLE = {"mart.dim_unified_user": "updated_at"}
PEOPLE_KEY = {"mart.dim_unified_user": ("unified_user_id",)}


def rows_compared_by_hash(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables whose rows a publish compares by hash from now on."""
    tables: list[str] = []
    compare = publishing._replace_changed_rows

    def logged(con, table, *args):
        tables.append(table.qualified)
        return compare(con, table, *args)

    monkeypatch.setattr(publishing, "_replace_changed_rows", logged)
    return tables


def test_a_stamped_tables_rows_written_since_the_last_publish_replace_theirs_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Of a large undated table whose builds stamp every row they write and whose rows have
    a key, the rows stamped after the record's latest stamp replace the served rows of the
    same keys, and a served row whose key the warehouse lost (a merged person: deleted, no
    stamp) goes: no row is hashed, and it serves what a publish from nothing serves."""
    monkeypatch.setattr(fingerprints, "ROW_UPDATE_MIN_ROWS", 10)
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    stamped_people(warehouse)
    for run in ("run-1", "run-2"):  # the second records the table's count and latest stamp
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=PEOPLE, unique=PEOPLE_KEY)
    [(stamped_to,)] = sql(
        serving,
        "select stamped_to from meta.fingerprints where table_name = 'mart.dim_unified_user'",
    )
    assert stamped_to.startswith("2026-1")
    hashed = rows_compared_by_hash(monkeypatch)
    written = "timestamptz '2026-11-02 02:00+08'"
    sql(warehouse, f"update mart.dim_unified_user set platforms = 9, updated_at = {written} "
        "where unified_user_id in ('u1', 'u2')")  # fmt: skip
    sql(warehouse, f"insert into mart.dim_unified_user values ('u12', 1, {written}), "
        f"('u13', 1, {written})")  # fmt: skip
    sql(warehouse, "delete from mart.dim_unified_user where unified_user_id = 'u5'")

    third = publish(
        warehouse, serving, parquet, "run-3", WITHHELD, stamped=PEOPLE, unique=PEOPLE_KEY
    )

    # out: u1 and u2 as they were, and u5; in: u1 and u2 as they are, u12 and u13
    assert third.rewritten == {
        "mart.dim_unified_user": "differing rows: row count changed (3 out, 4 in, by stamp and key)"
    }
    assert hashed == []
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    people = parquet / "mart" / "dim_unified_user.parquet"
    rows = duckdb.connect().execute(f"select count(*), sum(platforms) from '{people}'")
    # 12 people of platforms 0, 1, 2, ... (12 in all); u1 and u2 now 9; u5 (2) gone; 2 new
    assert rows.fetchone() == (13, 12 - 1 - 2 + 9 + 9 - 2 + 1 + 1)


def test_a_dated_tables_written_rows_replace_theirs_in_the_changed_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A dated table with a key (one row per content, at its latest date): a content that
    moved to a later date leaves its old date, a deleted one goes, a new one comes; only the
    changed dates are touched, and no row is compared by hash."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(
        warehouse,
        "create table mart.fct_latest as select date '2026-11-01' + (range % 12)::int "
        "as business_date, range as content_id, range * 10 as views, "
        "timestamptz '2026-11-13 02:00+08' as updated_at from range(60)",
    )
    stamped, unique = {"mart.fct_latest": "updated_at"}, {"mart.fct_latest": ("content_id",)}
    for run in ("run-1", "run-2"):
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=stamped, unique=unique)
    hashed = rows_compared_by_hash(monkeypatch)
    written = "timestamptz '2026-11-14 02:00+08'"
    sql(warehouse, f"update mart.fct_latest set business_date = '2026-11-03', views = 11, "
        f"updated_at = {written} where content_id = 1")  # fmt: skip
    sql(warehouse, "delete from mart.fct_latest where content_id = 3")
    sql(warehouse, f"insert into mart.fct_latest values ('2026-11-14', 60, 600, {written})")

    third = publish(warehouse, serving, parquet, "run-3", WITHHELD, stamped=stamped, unique=unique)

    # content 1 left 11-02 for 11-03, content 3 left 11-04, content 60 is on 11-14
    assert third.rewritten == {
        "mart.fct_latest": "4 date(s) rewritten: 2026-11-02, 2026-11-03, 2026-11-04, 2026-11-14"
        " (2 out, 2 in, by stamp and key)"
    }
    assert hashed == []
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    record_is_the_served_tables(serving, "mart.fct_latest")
    [(rows, views)] = sql(serving, "select count(*), sum(views) from mart.fct_latest")
    assert (rows, views) == (60, sum(range(60)) * 10 - 10 + 11 - 30 + 600)


@pytest.mark.parametrize(
    ("side", "spoil"),
    [
        # a key repeated in the warehouse: the copy would end a row short
        (
            "warehouse",
            "insert into mart.dim_unified_user values ('u3', 7, timestamptz '2026-11-02 02:00+08')",
        ),
        # a served row changed by something other than a publish: the record is not trusted
        (
            "served",
            "update mart.dim_unified_user set platforms = 5 where unified_user_id = 'u4'; "
            "delete from mart.dim_unified_user where unified_user_id = 'u6'",
        ),
    ],
    ids=["repeated key", "served rows not as recorded"],
)
def test_written_rows_that_do_not_add_up_are_compared_by_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side: str, spoil: str
):
    """The copy must end with the warehouse's row count and the record must count the
    served rows; otherwise the rows are compared by hash, and the publish serves the same
    as a publish from nothing."""
    monkeypatch.setattr(fingerprints, "ROW_UPDATE_MIN_ROWS", 10)
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    stamped_people(warehouse)
    for run in ("run-1", "run-2"):
        publish(warehouse, serving, parquet, run, WITHHELD, stamped=PEOPLE, unique=PEOPLE_KEY)
    hashed = rows_compared_by_hash(monkeypatch)
    sql(warehouse, "insert into mart.dim_unified_user "
        "values ('u12', 1, timestamptz '2026-11-02 02:00+08')")  # fmt: skip
    sql(serving if side == "served" else warehouse, spoil)

    third = publish(
        warehouse, serving, parquet, "run-3", WITHHELD, stamped=PEOPLE, unique=PEOPLE_KEY
    )

    assert hashed == ["mart.dim_unified_user"]
    assert "mart.dim_unified_user" in third.rewritten
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def older_layout(path: Path) -> None:
    """A served file as publishes wrote it before fingerprints: no layout recorded."""
    sql(path, "drop table meta.publication")
    sql(path, "create table meta.publication as select 'old' as run_id")


def foreign_database(path: Path) -> None:
    path.unlink()
    sql(path, "create schema mart; create table mart.fct_daily as select 1 as x")
    sql(path, "create schema raw; create table raw.secret as select 'x' as x")


def damaged_blocks(path: Path) -> None:
    """Data blocks overwritten in place (the file's headers kept): checksums fail."""
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.seek(3 * 4096)
        file.write(os.urandom(size - 3 * 4096 - 4096))


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.write_bytes(b"not a database" * 100),
        older_layout,
        foreign_database,
        damaged_blocks,
    ],
    ids=["garbage", "older layout", "foreign database", "damaged blocks"],
)
def test_a_served_file_that_cannot_be_updated_is_replaced_by_a_full_publish(tmp_path: Path, spoil):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    spoil(serving)

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.full_reason and "update" in second.full_reason
    assert second.reused == [] and second.parquet_linked == []
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)
    schemas = sql(serving, "select distinct schema_name from information_schema.schemata")
    assert ("raw",) not in schemas
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".s.duckdb")]


def test_a_damaged_block_of_a_served_table_is_found_and_the_publish_starts_over(tmp_path: Path):
    """Checksums are verified where the update reads: comparing a table reads every block
    of it, so a damaged one is not carried into the next publish."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "create table mart.big as select hash(range) as v from range(400000)")
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    [(block, block_size)] = sql(
        serving,
        "select min(block_id), any_value(block_size) from pragma_storage_info('mart.big'), "
        "pragma_database_size() where column_name = 'v' and block_id >= 0",
    )
    with serving.open("r+b") as file:  # after the three 4 KiB headers, past the checksum
        file.seek(3 * 4096 + block * block_size + 100)
        file.write(b"\xff" * 1000)

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.full_reason and second.full_reason.startswith("updating the served file failed")
    assert "checksum" in second.full_reason
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def test_rows_without_a_business_date_are_a_date_of_their_own(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "insert into mart.fct_daily values (null, 9, 1), (null, 8, 2)")
    publish(warehouse, serving, parquet, "run-1", WITHHELD)
    sql(warehouse, "update mart.fct_daily set views = 3 where content_id = 9")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD)

    assert second.rewritten == {"mart.fct_daily": "1 date(s) rewritten: null"}
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


# -- Parquet by business date -----------------------------------------------------------------
BY_DATE = {"mart.fct_daily": ("business_date",)}
BY_SCOPE = {"kpi.kpi_scoped": ("business_date", "scope")}  # 'a b' is escaped in folder names
BOTH = {**BY_DATE, **BY_SCOPE}
NULL_DAY = "business_date=__HIVE_DEFAULT_PARTITION__"


def partitions(parquet: Path, table: str = "mart/fct_daily") -> dict[str, Path]:
    """A partitioned table's folder: partition name → its one file."""
    folder = parquet.resolve() / table
    return {p.name: next(p.glob("*.parquet")) for p in sorted(folder.iterdir())}


def parquet_rows(parquet: Path, table: str, columns: str) -> list[tuple]:
    """A table read back from the publish's Parquet, as a reader of the documented layout
    does (hive partitions for a folder), with ``columns`` in that order."""
    folder = parquet.resolve()
    relative = json.loads((folder / "_publication.json").read_text())["parquet"][table]
    path = folder / relative
    source = (
        f"read_parquet('{path}/**/*.parquet', hive_partitioning = true)"
        if path.is_dir()
        else f"'{path}'"
    )
    return duckdb.connect().execute(f"select {columns} from {source} order by all").fetchall()


def served_parquet(parquet: Path) -> dict[str, list[tuple]]:
    """Every table of the publish's Parquet, in the served file's column order."""
    folder = parquet.resolve()
    publication = json.loads((folder / "_publication.json").read_text())
    con = duckdb.connect()
    out = {}
    for table in publication["parquet"]:
        path = folder / publication["parquet"][table]
        glob = f"{path}/**/*.parquet" if path.is_dir() else str(path)
        names = [c for c, *_ in con.execute(f"describe select * from '{glob}'").fetchall()]
        out[table] = parquet_rows(parquet, table, ", ".join(sorted(names)))
    return out


FACT_COLUMNS = "business_date, content_id, views"


def test_a_one_day_change_rewrites_that_days_parquet_and_links_the_other_days(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BY_DATE)
    before = partitions(parquet)
    sql(warehouse, "update mart.fct_daily set views = views + 1 where business_date = '2026-11-03'")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_DATE)

    after = partitions(parquet)
    days = [f"business_date=2026-11-0{d}" for d in range(1, 6)]
    assert list(after) == list(before) == days
    for day in days:
        assert os.path.samefile(before[day], after[day]) == (day != days[2]), day
    assert sorted(second.parquet_linked) == sorted(set(second.tables) - {"mart.fct_daily"})
    warehouse_rows = sql(warehouse, f"select {FACT_COLUMNS} from mart.fct_daily order by all")
    assert parquet_rows(parquet, "mart.fct_daily", FACT_COLUMNS) == warehouse_rows
    day_three = [r[2] for r in parquet_rows(parquet, "mart.fct_daily", FACT_COLUMNS)[8:12]]
    assert day_three == [81, 91, 101, 111]  # 10 × row + 1
    assert (parquet / "mart" / "dim_content.parquet").is_file()  # small tables: one file


def test_dates_removed_from_the_warehouse_are_gone_from_the_parquet(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "insert into mart.fct_daily values (null, 9, 1)")
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BY_DATE)
    before = partitions(parquet)
    sql(warehouse, "delete from mart.fct_daily where business_date = '2026-11-02'")
    sql(warehouse, "delete from mart.fct_daily where business_date is null")
    sql(warehouse, "insert into mart.fct_daily values ('2026-11-06', 0, 5)")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_DATE)

    after = partitions(parquet)
    assert NULL_DAY in before and "business_date=2026-11-02" in before
    assert list(after) == [f"business_date=2026-11-0{d}" for d in (1, 3, 4, 5, 6)]
    assert all(os.path.samefile(before[day], after[day]) for day in list(after)[:-1])
    assert second.tables["mart.fct_daily"] == 20 - 4 + 1
    warehouse_rows = sql(warehouse, f"select {FACT_COLUMNS} from mart.fct_daily order by all")
    assert parquet_rows(parquet, "mart.fct_daily", FACT_COLUMNS) == warehouse_rows


def test_rows_without_a_date_read_back_as_null(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    sql(warehouse, "insert into mart.fct_daily values (null, 9, 1), (null, 8, 2)")
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BY_DATE)

    assert NULL_DAY in partitions(parquet)
    rows = parquet_rows(parquet, "mart.fct_daily", FACT_COLUMNS)
    assert [r for r in rows if r[0] is None] == [(None, 8, 2), (None, 9, 1)]


def test_a_previous_parquet_folder_missing_a_day_makes_a_whole_publish(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BY_DATE)
    shutil.rmtree(parquet.resolve() / "mart" / "fct_daily" / "business_date=2026-11-04")
    sql(warehouse, "update mart.fct_daily set views = 0 where business_date = '2026-11-01'")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_DATE)

    assert second.full_reason and "mart.fct_daily: 16 rows" in second.full_reason
    assert len(partitions(parquet)) == 5
    warehouse_rows = sql(warehouse, f"select {FACT_COLUMNS} from mart.fct_daily order by all")
    assert parquet_rows(parquet, "mart.fct_daily", FACT_COLUMNS) == warehouse_rows


def test_a_table_newly_partitioned_is_written_whole_in_the_new_layout(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD)  # every table one file
    assert (parquet / "mart" / "fct_daily.parquet").is_file()

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_DATE)

    assert second.full_reason is None and second.rewritten == {}
    assert "mart.fct_daily" not in second.parquet_linked
    assert len(partitions(parquet)) == 5
    assert not (parquet / "mart" / "fct_daily.parquet").exists()


def test_publishing_day_by_day_serves_what_one_publish_of_the_whole_build_does(tmp_path: Path):
    """The incremental-equals-rebuild guarantee for publishing: a warehouse built and
    published a day at a time (with a late correction of an earlier day, a day withdrawn,
    and tables that change whole) serves the same DuckDB tables and Parquet rows as one
    publish of the finished warehouse."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_warehouse(warehouse, people=3)
    sql(warehouse, "create table mart.fct_daily (business_date date, content_id int, views int)")
    for day in range(1, 9):
        sql(
            warehouse,
            f"insert into mart.fct_daily select date '2026-11-0{day}', range, range * {day} "
            "from range(4)",
        )
        sql(warehouse, f"create or replace table kpi.kpi_daily as select range as views "
            f"from range({day})")  # fmt: skip
        if day == 5:  # late data for day 2
            sql(
                warehouse, "update mart.fct_daily set views = -1 where business_date = '2026-11-02'"
            )
        if day == 7:  # day 3 withdrawn
            sql(warehouse, "delete from mart.fct_daily where business_date = '2026-11-03'")
        # a KPI by date and scope whose matrix rows are restated on every date each day
        sql(warehouse, "drop table if exists kpi.kpi_scoped")
        make_scoped_table(warehouse, day)
        sql(warehouse, f"update kpi.kpi_scoped set value = value * {day} where scope = 'matrix'")
        result = publish(warehouse, serving, parquet, f"run-{day}", WITHHELD, partitioned=BOTH)
        if day > 1:
            assert result.full_reason is None, day
            assert "mart.fct_daily" not in result.parquet_linked
    assert result.rewritten["mart.fct_daily"] == "1 date(s) rewritten: 2026-11-08"
    # the matrix of days 2-7 (day 1's value is 0) and the three scopes of day 8
    assert result.rewritten["kpi.kpi_scoped"].startswith("9 partition(s) rewritten: 2026-11-02/m")
    fresh = tmp_path / "fresh"
    publish(warehouse, fresh / "s.duckdb", fresh / "pq", "fresh-run", WITHHELD, partitioned=BOTH)

    assert served(serving) == served(fresh / "s.duckdb")
    assert served_parquet(parquet) == served_parquet(fresh / "pq")
    assert len(served_parquet(parquet)["mart.fct_daily"]) == 7 * 4
    assert len(served_parquet(parquet)["kpi.kpi_scoped"]) == 8 * 5


@pytest.mark.parametrize("scoped", [False, True], ids=["by date", "by date and scope"])
def test_polars_and_pyarrow_read_the_partitions_as_docs_serving_md_shows(
    tmp_path: Path, scoped: bool
):
    import polars as pl
    import pyarrow as pa
    import pyarrow.dataset as ds

    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    (make_scoped_warehouse if scoped else make_dated_warehouse)(warehouse)
    partitioned, table = (BY_SCOPE, "kpi.kpi_scoped") if scoped else (BY_DATE, "mart.fct_daily")
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=partitioned)
    folder = parquet.resolve().joinpath(*table.split("."))
    columns = SCOPED_COLUMNS if scoped else FACT_COLUMNS
    expected = sql(warehouse, f"select {columns} from {table} order by all")
    # pyarrow infers partition values as strings unless told the type
    keys = [("business_date", pa.date32())] + ([("scope", pa.string())] if scoped else [])

    frame = pl.scan_parquet(folder, hive_partitioning=True).collect()
    assert frame.schema["business_date"] == pl.Date
    assert not scoped or frame.schema["scope"] == pl.String
    assert sorted(frame.select(columns.split(", ")).rows()) == expected
    partitioning = ds.partitioning(pa.schema(keys), flavor="hive")
    read = ds.dataset(folder, format="parquet", partitioning=partitioning).to_table()
    rows = zip(*(read.column(c).to_pylist() for c in columns.split(", ")), strict=True)
    assert sorted(rows) == expected


# -- Parquet by business date and scope -----------------------------------------------------


def make_scoped_warehouse(path: Path, days: int = 4) -> None:
    make_warehouse(path, people=2)
    make_scoped_table(path, days)


def make_scoped_table(path: Path, days: int) -> None:
    """A KPI by date and scope: per date, 3 accounts, one matrix row and one of scope 'a b'."""
    sql(
        path,
        "create table kpi.kpi_scoped as select date '2026-11-01' + d::int as business_date, "
        "s.scope, s.scope || '-' || k as scope_key, d * 100 + k as value "
        f"from range({days}) t(d), "
        "(values ('account', 3), ('matrix', 1), ('a b', 1)) s(scope, n), "
        "lateral (select range as k from range(s.n))",
    )


def leaves(parquet: Path, table: str = "kpi/kpi_scoped") -> dict[str, Path]:
    """A table's partition folders (``business_date=…/scope=…``) → their one file."""
    folder = parquet.resolve() / table
    return {
        str(file.parent.relative_to(folder)): file for file in sorted(folder.glob("*/*/*.parquet"))
    }


SCOPED_COLUMNS = "business_date, scope, scope_key, value"


def test_a_scope_restated_on_every_date_rewrites_that_scopes_files_only(tmp_path: Path):
    """The matrix's rows of every date change (a merge restated a people KPI): the publish
    rewrites the matrix's file of each date and the served rows of it, not the table."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_scoped_warehouse(warehouse)
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BY_SCOPE)
    before = leaves(parquet)
    sql(warehouse, "update kpi.kpi_scoped set value = value + 1000 where scope = 'matrix'")
    sql(warehouse, "insert into kpi.kpi_scoped values (date '2026-11-05', 'a b', 'a b-0', 7)")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_SCOPE)

    assert second.rewritten["kpi.kpi_scoped"] == (
        "5 partition(s) rewritten: 2026-11-01/matrix, 2026-11-02/matrix, 2026-11-03/matrix, "
        "2026-11-04/matrix, 2026-11-05/a b"
    )
    after = leaves(parquet)
    assert len(before) == 4 * 3 and len(after) == 4 * 3 + 1
    assert "business_date=2026-11-05/scope=a%20b" in after
    for name, file in before.items():
        assert os.path.samefile(file, after[name]) == ("scope=matrix" not in name), name
    warehouse_rows = sql(warehouse, f"select {SCOPED_COLUMNS} from kpi.kpi_scoped order by all")
    assert parquet_rows(parquet, "kpi.kpi_scoped", SCOPED_COLUMNS) == warehouse_rows
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


@pytest.mark.parametrize("keys", [("business_date",), ("business_date", "scope")])
def test_a_part_condition_selects_the_rows_of_its_parts_exactly(keys: tuple[str, ...]):
    """Dates, keys after the date, nulls in either, and a quote in a value: the condition
    selects the rows of the parts named, and none of the others."""
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values "
        "(date '2026-11-01', 'matrix'), (date '2026-11-01', 'a b'), (date '2026-11-02', 'matrix'), "
        "(date '2026-11-02', 'o''brien'), (null, 'matrix'), (date '2026-11-03', null), "
        "(null, null), (date '2026-11-03', 'matrix')) as v(business_date, scope)"
    )
    rows = con.execute("select * from t").fetchall()
    every = {row[: len(keys)] for row in rows}
    for parts in [every, {p for p in every if None in p}, {p for p in every if None not in p}]:
        where = fingerprints.part_condition(keys, frozenset(parts))
        chosen = con.execute(f"select * from t where {where}").fetchall()
        assert sorted(chosen, key=str) == sorted(
            (row for row in rows if row[: len(keys)] in parts), key=str
        ), where


def test_a_table_served_by_date_then_by_date_and_scope_is_written_whole_once(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_scoped_warehouse(warehouse)
    by_date = {"kpi.kpi_scoped": ("business_date",)}
    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=by_date)
    assert len(partitions(parquet, "kpi/kpi_scoped")) == 4
    sql(warehouse, "update kpi.kpi_scoped set value = 0 where scope = 'matrix'")

    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BY_SCOPE)
    third = publish(warehouse, serving, parquet, "run-3", WITHHELD, partitioned=by_date)

    assert second.full_reason is None and third.full_reason is None
    assert "kpi.kpi_scoped" not in second.parquet_linked + third.parquet_linked
    assert len(partitions(parquet, "kpi/kpi_scoped")) == 4  # back by date: whole again
    warehouse_rows = sql(warehouse, f"select {SCOPED_COLUMNS} from kpi.kpi_scoped order by all")
    assert parquet_rows(parquet, "kpi.kpi_scoped", SCOPED_COLUMNS) == warehouse_rows


def test_a_large_partitioned_write_is_split_by_dates_and_no_partition_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A table's partitions are written by several COPYs of consecutive dates (rows per
    COPY bounded), into one folder: each date in one COPY, none lost or written twice,
    whole (first publish) or of changed partitions (rows without a date included)."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)  # fct_daily: 5 dates of 4 rows
    make_scoped_table(warehouse, days=4)  # 4 dates of 5 rows
    sql(warehouse, "insert into mart.fct_daily values (null, 9, 1), (null, 8, 2)")
    copies: list[str] = []
    original = parquet_module._copy
    monkeypatch.setattr(parquet_module, "ROWS_PER_COPY", 9)  # two dates a COPY
    monkeypatch.setattr(
        parquet_module,
        "_copy",
        lambda con, query, *rest: copies.append(query) or original(con, query, *rest),
    )

    publish(warehouse, serving, parquet, "run-1", WITHHELD, partitioned=BOTH)
    whole = len(copies)
    sql(
        warehouse,
        "update mart.fct_daily set views = views + 1 "
        "where business_date in ('2026-11-01', '2026-11-05') or business_date is null",
    )
    sql(warehouse, "update kpi.kpi_scoped set value = -value where scope <> 'account'")
    second = publish(warehouse, serving, parquet, "run-2", WITHHELD, partitioned=BOTH)

    # fct_daily: null + 5 dates = 6 rows of 2 and 20 → 3 COPYs; kpi_scoped: 4 dates of 5 → 4
    assert whole - len([q for q in copies[:whole] if "fct_daily" not in q]) == 3
    assert second.rewritten["mart.fct_daily"] == "3 date(s) rewritten: null, 2026-11-01, 2026-11-05"
    assert len([q for q in copies[whole:] if "fct_daily" in q]) == 2  # null and 01, then 05
    assert list(partitions(parquet)) == [f"business_date=2026-11-0{d}" for d in range(1, 6)] + [
        NULL_DAY
    ]
    for table, columns in (("mart.fct_daily", FACT_COLUMNS), ("kpi.kpi_scoped", SCOPED_COLUMNS)):
        warehouse_rows = sql(warehouse, f"select {columns} from {table} order by all")
        assert parquet_rows(parquet, table, columns) == warehouse_rows, table
    assert served(serving) == full_copy(warehouse, tmp_path, WITHHELD)


def test_a_listed_partition_key_the_table_lacks_fails_the_publish(tmp_path: Path):
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_dated_warehouse(warehouse)

    with pytest.raises(Exception, match=r"mart.fct_daily is served by .* but has no \['scope'\]"):
        publish(warehouse, serving, parquet, "run-1", WITHHELD,
                partitioned={"mart.fct_daily": ("business_date", "scope")})  # fmt: skip
    assert not serving.exists()


def test_docs_list_the_tables_served_by_date():
    """docs/serving.md's table of Parquet folders by date is the list the publish uses,
    with each table's folder keys."""
    text = (Path(__file__).parents[2] / "docs" / "serving.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `(\w+\.\w+)` \| `parquet/\w+/\w+/((?:\w+=<[^>]+>/)+)data_0\.parquet`", text, re.M
    )
    listed = {table: tuple(re.findall(r"(\w+)=", folders)) for table, folders in rows}
    assert listed == dict(PARTITIONED)
