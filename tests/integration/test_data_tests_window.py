"""The dbt data tests of an incremental model check every date a windowed run rebuilt.

kpi_account_daily declares its window once (config meta: 30 days of lookahead), and a run
over one day rebuilds that day and the 30 after it, so its not_null and
unique_combination tests must see all of those dates, and only those: the dates before
the run and past the lookahead are as earlier runs left them, already tested. Each table
is written by hand here (only the tested columns), so the failures counted are exactly
the bad rows planted on each side of what the run wrote.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb

from tests.helpers import dbt_warehouse, start_dbt

RUN_DAY = date(2026, 11, 10)
LOOKAHEAD = 30  # kpi_account_daily's declared window
LATEST, EARLIER = "2026-11-10 08:00:00+00", "2026-11-09 08:00:00+00"  # two builds' stamps


def plant(root: Path, table: str, columns: str, rows: list[tuple]) -> None:
    """The dbt warehouse of ``root`` holding ``table`` (schema.name, ``columns`` its
    definition) with ``rows``."""
    con = duckdb.connect(str(dbt_warehouse(root)))
    try:
        con.execute(f"create schema {table.split('.')[0]}")
        con.execute(f"create table {table} ({columns})")
        con.executemany(f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)
    finally:
        con.close()


def failures(root: Path, select: str, model: str) -> dict[str, int]:
    """dbt's tests ``select`` over a run of RUN_DAY: the failures of each, by its name up to
    ``_<model>``. The planted rows fail the tests, so dbt exits non-zero: its results say
    how."""
    start_dbt("test", root, "--quiet", "--select", select, window=(RUN_DAY, RUN_DAY)).wait()
    results = json.loads((root / "dbt" / "target" / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2].split(f"_{model}")[0]: r["failures"]
        for r in results
        if r["unique_id"].startswith("test.")  # not the hook that drops the window
    }


def output(root: Path) -> str:
    return (root / "dbt" / "dbt.out").read_text()[-3000:]


def test_a_windowed_run_tests_every_day_its_lookahead_rebuilt(tmp_path: Path):
    last_rebuilt = RUN_DAY + timedelta(days=LOOKAHEAD)
    before, past = RUN_DAY - timedelta(days=1), last_rebuilt + timedelta(days=1)
    rows = [
        ("douyin:A", "douyin", RUN_DAY),
        # the last rebuilt day: one account twice, one row without an account
        ("douyin:A", "douyin", last_rebuilt),
        ("douyin:A", "douyin", last_rebuilt),
        (None, "douyin", last_rebuilt),
        # the same faults the day before the run and the day past its lookahead
        *[row for day in (before, past) for row in [("douyin:B", "douyin", day)] * 2],
        *[(None, "douyin", day) for day in (before, past)],
    ]
    model = "kpi_account_daily"
    plant(
        tmp_path, f"kpi.{model}", "account_key varchar, platform varchar, business_date date", rows
    )

    found = failures(
        tmp_path, f"{model},test_name:not_null {model},test_name:unique_combination", model
    )

    assert found == {"not_null": 1, "unique_combination": 1}, output(tmp_path)


def test_a_windowed_run_tests_the_snapshots_it_staged(tmp_path: Path):
    """A follower list is staged by its snapshot_date: a run checks its days' rows only."""
    before = RUN_DAY - timedelta(days=1)
    # a follower listed twice on the run's day, and another twice the day before
    rows = [("gh_1", "o1", RUN_DAY)] * 2 + [("gh_1", "o2", before)] * 2
    model = "stg_wechat_oa__followers"
    plant(
        tmp_path, f"staging.{model}", "account_id varchar, openid varchar, snapshot_date date", rows
    )

    found = failures(tmp_path, f"{model},test_name:unique_combination", model)

    assert found == {"unique_combination": 1}, output(tmp_path)


def test_a_windowed_run_tests_the_interactions_its_build_wrote_on_any_date(tmp_path: Path):
    """fct_user_interactions writes rows of any date (a follow dated by its subscription,
    a merged person's old comments): its not_null and accepted_values tests read the rows
    the latest build wrote (meta written_by: updated_at), whatever their date."""
    old_day = RUN_DAY - timedelta(days=400)
    rows = [
        # written by the latest build: a row without an id long before the window, and
        # one of an unknown type on the run's day
        (None, "follow", old_day, LATEST),
        ("i2", "like", RUN_DAY, LATEST),
        # written earlier, already tested: the same faults, on the run's day too
        (None, "comment", RUN_DAY, EARLIER),
        ("i4", "like", RUN_DAY, EARLIER),
    ]
    model = "fct_user_interactions"
    columns = "interaction_id varchar, interaction_type varchar, business_date date, "
    plant(tmp_path, f"mart.{model}", columns + "updated_at timestamptz", rows)

    found = failures(
        tmp_path, f"{model},test_name:not_null {model},test_name:accepted_values", model
    )

    assert found == {"not_null": 1, "accepted_values": 1}, output(tmp_path)


def test_a_windowed_run_tests_the_comment_keys_of_its_days_against_every_day(tmp_path: Path):
    """A comment listing is staged by comment_id from the run's days of raw: a run checks
    the ids of the comments dated in its window, against the comments of every day (the
    same id listed on an old day is a repeat); two old rows of one id were tested by the
    run that wrote them."""
    old = RUN_DAY - timedelta(days=200)
    rows = [
        ("c1", RUN_DAY),
        ("c1", old),  # a repeat reaching back before the window
        ("c2", old),
        ("c2", old - timedelta(days=1)),  # a repeat of old days only
        ("c3", RUN_DAY),
    ]
    model = "stg_douyin__comments"
    plant(tmp_path, f"staging.{model}", "comment_id varchar, business_date date", rows)

    found = failures(tmp_path, f"{model},test_name:unique", model)

    assert found == {"unique": 1}, output(tmp_path)


def test_a_windowed_run_tests_the_keys_a_replacing_build_wrote_among_its_rows(tmp_path: Path):
    """int_identity__nodes is a delete+insert keyed by (id_type, id_value) that stamps the
    rows each build writes (written_at): the rows of a key the latest build wrote are all
    that build's, the delete having taken the older ones, so its uniqueness test reads the
    written rows alone. A key written twice by the latest build repeats; keys repeated by
    an earlier build were tested then."""
    rows = [
        ("phone_hash", "a", LATEST),
        ("phone_hash", "a", LATEST),  # written twice by the latest build
        ("phone_hash", "b", EARLIER),
        ("phone_hash", "b", EARLIER),  # a repeat of an earlier build, tested by it
        ("phone_hash", "c", LATEST),
    ]
    model = "int_identity__nodes"
    columns = "id_type varchar, id_value varchar, written_at timestamptz"
    plant(tmp_path, f"intermediate.{model}", columns, rows)

    found = failures(tmp_path, f"{model},test_name:unique_combination", model)

    assert found == {"unique_combination": 1}, output(tmp_path)
    compiled = next((tmp_path / "dbt" / "target" / "compiled").rglob("unique_combination_*.sql"))
    assert "semi join" not in compiled.read_text()  # the written rows alone are read
