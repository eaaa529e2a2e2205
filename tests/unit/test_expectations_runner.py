"""The suite runner on a hand-made warehouse: failures, samples, chunks and Data Docs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import jinja2
import pytest

from expectations import runner
from expectations.runner import DataDocs, Suite, validate

SUITE = """
table: staging.note_daily
date_column: business_date
{split}
expectations:
  - expect_column_values_to_be_between: {{column: views, min_value: 0}}
  - expect_compound_columns_to_be_unique: {{column_list: [note_id, business_date]}}
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Three days of five notes; a negative count on days 1 and 3, a duplicate on day 2."""
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema staging")
    con.execute(
        """
        create table staging.note_daily as
        select date '2026-11-01' + cast(d as integer) as business_date, 'n' || i as note_id,
            case when (d, i) in ((0, 1), (2, 4)) then -1 else 10 end as views
        from range(3) as a(d), range(5) as b(i)
        union all select date '2026-11-02', 'n3', 7
        """
    )
    con.close()
    return path


def load(tmp_path: Path, split: bool) -> Suite:
    folder = tmp_path / "suites"
    folder.mkdir(exist_ok=True)
    (folder / "notes.yml").write_text(
        SUITE.format(split="split_by_date: true" if split else ""), encoding="utf-8"
    )
    return Suite.load("notes", folder)


def test_failures_name_the_expectation_count_and_rows(tmp_path: Path, warehouse: Path):
    outcome = validate(load(tmp_path, split=False), warehouse, None, None)
    assert not outcome.passed
    assert outcome.rows_checked == 16
    by_name = {f.expectation: f for f in outcome.failures}
    negative = by_name["expect_column_values_to_be_between"]
    assert negative.unexpected_count == 2
    assert sorted(r["note_id"] for r in negative.sample) == ["n1", "n4"]
    assert by_name["expect_compound_columns_to_be_unique"].unexpected_count == 2
    assert "column=views, min_value=0" in negative.describe()


def test_nullable_and_narrow_integers_are_judged_column_wise_with_samples_as_read(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    """Counts with nulls (pandas' nullable Int64) and 32-bit counts reach GX as float64
    and int64, which it compares column-wise; the failures and their samples are those of
    the values as read (no 10.0 for a 10)."""
    con = duckdb.connect(str(warehouse))
    con.execute("alter table staging.note_daily alter views type integer")
    con.execute("insert into staging.note_daily values ('2026-11-03', 'n9', null)")
    con.close()
    seen: list[dict] = []
    run = runner._run

    def spy(context, suite, frame, keep, name):
        seen.append(dict(frame.dtypes.astype(str)))
        return run(context, suite, frame, keep, name)

    monkeypatch.setattr(runner, "_run", spy)
    outcome = validate(load(tmp_path, split=False), warehouse, None, None)

    assert seen == [{"business_date": seen[0]["business_date"], "note_id": seen[0]["note_id"],
                     "views": "float64"}]  # fmt: skip
    negative = {f.expectation: f for f in outcome.failures}["expect_column_values_to_be_between"]
    assert negative.unexpected_count == 2
    assert sorted(r["views"] for r in negative.sample) == [-1, -1]
    assert all(isinstance(r["views"], int) for r in negative.sample)
    frame = runner._numeric(
        duckdb.sql("select 1::integer as a, 2::bigint as b, 3::ubigint as c, 'x' as d").df()
    )
    assert [str(frame[c].dtype) for c in "abc"] == ["int64", "int64", "float64"]


def test_a_window_is_validated_a_few_days_at_a_time_with_the_same_answer(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    whole = validate(load(tmp_path, split=False), warehouse, None, None)
    monkeypatch.setattr(runner, "CHUNK_ROWS", 6)  # one day per chunk
    suite = load(tmp_path, split=True)
    con = runner.connect(warehouse, read_only=True)
    try:
        source, params = runner._source(con, suite, None, None)
        assert runner._chunks(con, suite, source, params, None, None) == [
            (date(2026, 11, 1), date(2026, 11, 1)),
            (date(2026, 11, 2), date(2026, 11, 2)),
            (date(2026, 11, 3), date(2026, 11, 3)),
        ]
    finally:
        con.close()
    chunked = validate(suite, warehouse, None, None)
    assert chunked.rows_checked == whole.rows_checked
    assert [(f.expectation, f.unexpected_count) for f in chunked.failures] == [
        (f.expectation, f.unexpected_count) for f in whole.failures
    ]
    window = validate(suite, warehouse, date(2026, 11, 2), date(2026, 11, 3))
    assert window.rows_checked == 11
    assert {f.expectation: f.unexpected_count for f in window.failures} == {
        "expect_column_values_to_be_between": 1,
        "expect_compound_columns_to_be_unique": 2,
    }
    # one date is one chunk, never counted
    day = date(2026, 11, 2)
    assert runner._chunks(Unqueried(), suite, "notes", {}, day, day) == [(day, day)]
    days = [validate(suite, warehouse, d, d) for d in (date(2026, 11, 2), date(2026, 11, 3))]
    assert [d.rows_checked for d in days] == [6, 5]


class Unqueried:
    def execute(self, *_, **__):
        pytest.fail("queried")


def test_a_split_suites_window_is_read_from_the_warehouse_once(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    """Counting a window's rows by date and reading them a few dates at a time read the
    suite's table (or run its query) once: a query suite's query is the costly part."""
    monkeypatch.setattr(runner, "CHUNK_ROWS", 6)
    suite = load(tmp_path, split=True)
    statements: list[str] = []
    connect = runner.connect

    class Logged:
        def __init__(self, con):
            self.con = con

        def execute(self, statement, *args):
            statements.append(statement)
            return self.con.execute(statement, *args)

        def close(self):
            self.con.close()

    monkeypatch.setattr(runner, "connect", lambda *a, **k: Logged(connect(*a, **k)))
    outcome = validate(suite, warehouse, date(2026, 11, 1), date(2026, 11, 3))

    assert outcome.rows_checked == 16
    assert len([s for s in statements if suite.table in s]) == 1
    assert (
        len([s for s in statements if runner.WINDOW_TABLE in s]) == 1 + 1 + 3
    )  # made, counted, read by date


def test_every_validation_gets_a_data_docs_page(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each run's page is written; GX's page templates are compiled by the first only
    (data_docs_store._CompiledTemplates: GX makes a new Jinja environment per page)."""
    from expectations.data_docs_store import COMPILED_TEMPLATES

    COMPILED_TEMPLATES.clear()
    compiled: list[str] = []
    compile_ = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment,
        "compile",
        lambda env, source, name=None, *a, **k: (
            compiled.append(name) or compile_(env, source, name, *a, **k)
        ),
    )
    docs = DataDocs(project=tmp_path / "home", site=tmp_path / "home" / "docs" / "gx")
    per_run = []
    for run in ("run-a", "run-b"):
        validate(load(tmp_path, split=False), warehouse, None, None, docs=docs, run_name=run)
        per_run.append(len(compiled) - sum(per_run))
    assert per_run[0] > 10 and per_run[1] == 0
    assert "notes" in (docs.site / "index.html").read_text(encoding="utf-8")
    pages = sorted(
        p.relative_to(docs.site).parts[2] for p in docs.site.rglob("validations/*/*/*/*.html")
    )
    assert pages == ["run-a", "run-b"]


def test_a_run_of_passing_gates_updates_the_index_once_and_a_failure_at_once(
    tmp_path: Path, warehouse: Path
):
    """A run's checks write their pages and leave the index to the publish step's one update
    (it lists every stored result, once per check before); a failed validation updates it
    at once, as the publish will not run to do it."""
    docs = DataDocs(project=tmp_path / "home", site=tmp_path / "home" / "docs" / "gx")
    (tmp_path / "counted.yml").write_text(
        "table: staging.note_daily\nexpectations:\n"
        "  - expect_table_row_count_to_be_between: {min_value: 1}\n",
        encoding="utf-8",
    )
    passing = Suite.load("counted", tmp_path)
    index = docs.site / "index.html"
    listed = lambda: index.read_text(encoding="utf-8") if index.exists() else ""  # noqa: E731
    validate(passing, warehouse, None, None, docs=docs, run_name="run-a")  # as before: index
    assert "run-a" in listed()

    for suite in (passing, Suite.load("counted", tmp_path)):
        kept = validate(suite, warehouse, None, None, docs=docs, run_name="run-b", index=False)
        assert kept.passed
    pages = sorted(p.parts[-3] for p in docs.site.rglob("validations/counted/*/*/*.html"))
    assert pages == ["run-a", "run-b", "run-b"] and "run-b" not in listed()
    assert docs.update_index() and "run-b" in listed()
    assert not docs.update_index()  # nothing written since: no update

    failed = validate(load(tmp_path, split=False), warehouse, None, None, docs=docs,
                      run_name="run-c", index=False)  # fmt: skip
    assert not failed.passed and "run-c" in listed()


def test_split_by_date_needs_a_date_column(tmp_path: Path):
    (tmp_path / "bad.yml").write_text(
        "table: a.b\nsplit_by_date: true\nexpectations: []", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="bad.yml: split_by_date needs a date_column"):
        Suite.load("bad", tmp_path)


def test_thresholds_are_declared_once_and_named_in_the_failure(tmp_path: Path, warehouse: Path):
    """A query reads the thresholds and the window ($start, $end) as parameters: here the day
    before the window is read to compare each note with its own previous day."""
    (tmp_path / "jumps.yml").write_text(
        """
query: >
  select t.business_date, t.note_id, t.views - y.views as jump
  from staging.note_daily as t
  join staging.note_daily as y
    on y.note_id = t.note_id and y.business_date = t.business_date - 1
  where y.business_date >= $start - 1
asset: staging.note_daily
date_column: business_date
thresholds: {max_jump: 10}
expectations:
  - expect_column_values_to_be_between: {column: jump, max_value: $max_jump}
""",
        encoding="utf-8",
    )
    suite = Suite.load("jumps", tmp_path)
    assert suite.expectations == [
        ("expect_column_values_to_be_between", {"column": "jump", "max_value": 10})
    ]
    # 11-03 against 11-02 (n3 twice on 11-02): no jump above 10
    outcome = validate(suite, warehouse, date(2026, 11, 3), date(2026, 11, 3))
    assert outcome.passed and outcome.rows_checked == 6
    # 11-02 against 11-01, a day outside the window: n1 went from -1 to 10
    for start, end in ((date(2026, 11, 2), date(2026, 11, 2)), (None, None)):
        outcome = validate(suite, warehouse, start, end)
        [failure] = outcome.failures
        assert [(r["note_id"], r["jump"]) for r in failure.sample] == [("n1", 11)]
        assert failure.describe().endswith("[thresholds: max_jump=10]")
        assert outcome.metadata()["thresholds"] == {"max_jump": 10}


def test_an_expectation_can_only_name_a_declared_threshold(tmp_path: Path):
    (tmp_path / "bad.yml").write_text(
        "table: a.b\nthresholds: {low: 1}\nexpectations:\n"
        "  - expect_column_values_to_be_between: {column: x, min_value: $high}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"bad.yml: expectation 1 names no threshold \$high"):
        Suite.load("bad", tmp_path)


def test_the_index_lists_the_newest_validations_and_keeps_every_page(
    tmp_path: Path, warehouse: Path
):
    docs = DataDocs(
        project=tmp_path / "home", site=tmp_path / "home" / "docs" / "gx", index_limit=2
    )
    for run in ("run-a", "run-b", "run-c"):
        validate(load(tmp_path, split=False), warehouse, None, None, docs=docs, run_name=run)
    index = (docs.site / "index.html").read_text(encoding="utf-8")
    assert "run-b" in index and "run-c" in index and "run-a" not in index
    pages = sorted(
        p.relative_to(docs.site).parts[2] for p in docs.site.rglob("validations/*/*/*/*.html")
    )
    assert pages == ["run-a", "run-b", "run-c"]


def test_results_past_the_kept_days_leave_the_store_the_index_and_the_site(
    tmp_path: Path, warehouse: Path
):
    """A run's gate opens the project once per process, and removes the results older than
    keep_days then; the next update's index drops their pages. A checkpoint builds only its
    own pages (the section builders do not list the store), and the others stay."""
    docs = DataDocs(project=tmp_path / "home", site=tmp_path / "home" / "docs" / "gx", keep_days=30)
    for run in ("run-a", "run-b"):
        validate(load(tmp_path, split=False), warehouse, None, None, docs=docs, run_name=run)
    pages = lambda: sorted(  # noqa: E731
        p.relative_to(docs.site).parts[2] for p in docs.site.rglob("validations/*/*/*/*.html")
    )
    assert pages() == ["run-a", "run-b"]
    [run_a] = docs.validations.glob("*/run-a/*")
    # run-a ran 31 days ago: its run-time folder renamed as GX would have named it then
    ran = datetime.now(UTC) - timedelta(days=31)
    run_a.rename(run_a.with_name(ran.strftime("%Y%m%dT%H%M%S.%fZ")))
    assert docs.remove_old_results(datetime.now(UTC)) == 1
    assert not (docs.validations / "notes" / "run-a").exists()  # no empty folder left
    assert docs.remove_old_results(datetime.now(UTC)) == 0
    validate(load(tmp_path, split=False), warehouse, None, None, docs=docs, run_name="run-c")
    index = (docs.site / "index.html").read_text(encoding="utf-8")
    assert "run-a" not in index and "run-b" in index and "run-c" in index
    assert pages() == ["run-b", "run-c"]
