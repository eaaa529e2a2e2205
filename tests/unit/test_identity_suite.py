"""The identity suite on a hand-made bridge: people of one to three identifiers pass; a
person over the bound, and an identifier with two rows, are refused by name."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.runner import Suite, validate

IDENTITY = Suite.load("mart__identity")
# person → identifiers; 1,000 people of one identifier, 200 of two, 50 of three
PEOPLE = {f"uu{i:04d}": 1 + (i >= 1000) + (i >= 1200) for i in range(1250)}


def build(path: Path, people: dict[str, int], duplicate: str | None = None) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema mart")
    con.execute(
        "create table mart.bridge_user_identity (id_type varchar, id_value varchar, "
        "unified_user_id varchar)"
    )
    rows = [
        ("phone_hash" if n == 0 else "openid", f"{person}-{n}", person)
        for person, count in people.items()
        for n in range(count)
    ]
    con.executemany("insert into mart.bridge_user_identity values (?, ?, ?)", rows)
    if duplicate:
        con.execute(
            "insert into mart.bridge_user_identity select * from "
            "mart.bridge_user_identity where id_value = ?",
            [duplicate],
        )
    con.execute(
        "create table mart.dim_unified_user as select unified_user_id, "
        "count(*) as identifier_count from mart.bridge_user_identity group by all"
    )
    con.close()
    return path


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def test_people_within_the_bound_pass_on_one_row_per_size(tmp_db: Path):
    outcome = validate(IDENTITY, build(tmp_db, PEOPLE), None, None)
    assert outcome.passed, [f.describe() for f in outcome.failures]
    assert outcome.rows_checked == 3  # sizes 1, 2 and 3, not 1,250 people


def test_a_person_over_the_bound_is_named(tmp_db: Path):
    people = PEOPLE | {"uu9998": 61, "uu9999": 61, "uu9000": 60}
    outcome = validate(IDENTITY, build(tmp_db, people), None, None)
    assert [f.kwargs for f in outcome.failures] == [
        {"column": "identifier_count", "min_value": 1, "max_value": 60}
    ]
    (row,) = outcome.failures[0].sample
    assert (row["identifier_count"], row["people"], row["example_unified_user_id"]) == (
        61,
        2,
        "uu9998",
    )


def test_an_identifier_with_two_rows_is_refused(tmp_db: Path):
    outcome = validate(IDENTITY, build(tmp_db, PEOPLE, duplicate="uu1100-1"), None, None)
    assert [f.kwargs["column"] for f in outcome.failures] == ["bridge_rows_per_identifier"]
    assert outcome.failures[0].sample[0]["bridge_rows_per_identifier"] == 2
