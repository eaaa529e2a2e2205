"""The warehouse-wide scan for phone numbers and emails in clear (docs/requirements.md R-X1)."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date
from pathlib import Path

import duckdb

from expectations.pii import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    _few_valued,
    mask,
    read_through,
    scan,
)


def warehouse(tmp_path: Path, rows: list[tuple[str, str, list[str]]]) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        "create table raw.shop__orders "
        "(business_date date, record json, note varchar, tags varchar[], n bigint)"
    )
    for day, (record, note, tags) in zip(
        [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)], rows, strict=False
    ):
        con.execute(
            "insert into raw.shop__orders values (?, ?, ?, ?, 13912345678)",
            [day, record, note, tags],
        )
    con.close()
    return path


def test_hashes_ids_and_numbers_are_not_mistaken_for_phones(tmp_path: Path):
    hex_hash = hashlib.sha256(b"x").hexdigest() + "13912345678"
    path = warehouse(
        tmp_path,
        [
            (f'{{"order_id": "6913912345678901234", "post_tel_hash": "{hex_hash}"}}', "ok", []),
            (
                '{"open_id": "_000abc13912345678def", "count": 1}',
                "placeholder:phone:test-number",
                [],
            ),
        ],
    )
    assert scan(path) == []


def test_phones_and_emails_in_clear_are_found_by_table_and_column(tmp_path: Path):
    path = warehouse(
        tmp_path,
        [
            ('{"post_tel": "13912345678"}', "ok", []),
            ('{"x": 1}', "call +86 13800001111 now", ["fan@example.com"]),
            ('{"x": 2}', "ok", []),
        ],
    )
    found = {(f.table, f.column, f.kind): f for f in scan(path)}
    assert set(found) == {
        ("raw.shop__orders", "record", "phone number"),
        ("raw.shop__orders", "note", "phone number"),
        ("raw.shop__orders", "tags", "email"),
    }
    assert found[("raw.shop__orders", "record", "phone number")].masked_samples == (
        '{"post_tel": "139****5678"}',
    )
    assert "fan@" not in str(found[("raw.shop__orders", "tags", "email")].masked_samples)
    # a window that leaves the rows out finds nothing in dated tables
    assert scan(path, date(2026, 11, 3), date(2026, 11, 3)) == []


def test_a_snapshot_table_is_scanned_on_the_window_by_its_snapshot_date(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema staging")
    con.execute("create table staging.stg_crm__members (snapshot_date date, phone varchar)")
    con.execute(
        "insert into staging.stg_crm__members values "
        "('2026-11-01', '13912345678'), ('2026-11-02', 'a1b2c3')"
    )
    con.close()
    # the day before holds the phone; the window's day does not
    assert scan(path, date(2026, 11, 2), date(2026, 11, 2)) == []
    [found] = scan(path, date(2026, 11, 1), date(2026, 11, 2))
    assert (found.table, found.column, found.rows) == ("staging.stg_crm__members", "phone", 1)
    assert len(scan(path)) == 1


def test_mask_hides_the_middle_of_phones_and_the_local_part_of_emails():
    assert mask("13912345678 / fan123@example.com") == "139****5678 / f***@example.com"


def test_one_read_per_table_counts_each_column_as_the_patterns_do(tmp_path: Path):
    """Near misses of every kind, in columns with awkward names: the counts of the one
    query per table (with its cheap pre-tests) are those of the patterns themselves."""
    rnd = random.Random(7)
    pieces = ["13912345678", "+86 13800001111", "8613912345678", "1391234567", "139123456789",
              "a@b.cc", "x.y@z-1.com", "@example.com", "fan@localhost", "12@34.5"]  # fmt: skip
    texts = []
    for _ in range(6000):
        noise = "".join(rnd.choices('0123456789abXY@.+-_ "{}:,86', k=rnd.randint(0, 30)))
        at = rnd.randint(0, len(noise))
        texts.append(noise[:at] + rnd.choice(pieces) + noise[at:] if rnd.random() < 0.3 else noise)
    notes, others = texts[:3000], texts[3000:]
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute('create table main.notes (note varchar, "Odd ""name"" 备注" varchar, n int)')
    rows = list(zip(notes, others, strict=True))
    con.executemany("insert into main.notes values (?, ?, 1)", rows)
    con.close()

    def expected(values: list[str], pattern: str) -> int:
        return sum(1 for v in values if re.search(pattern, v))

    found = {(f.column, f.kind): f.rows for f in scan(path)}
    want = {
        ("note", "phone number"): expected(notes, PHONE_PATTERN),
        ("note", "email"): expected(notes, EMAIL_PATTERN),
        ('Odd "name" 备注', "phone number"): expected(others, PHONE_PATTERN),
        ('Odd "name" 备注', "email"): expected(others, EMAIL_PATTERN),
    }
    assert all(want.values())
    assert found == want


def test_a_column_of_few_values_is_counted_by_its_rows(tmp_path: Path):
    """3M rows: `kind` holds a handful of values (grouped by value before the patterns
    run), `id` one per row; a phone or email in either is counted once per row."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table main.events as
        select
            case when i % 1000000 < 7 then 'call 13912345678'
                when i % 1000000 between 7 and 9 then 'fan@example.com'
                when i % 2 = 0 then 'view' else 'like' end as kind,
            md5(cast(i as varchar)) || case when i % 600000 = 5 then ' 13800001111' else '' end
                as id
        from range(3000000) as t(i)
        """
    )
    few = _few_valued(con, "main.events", ["kind", "id"], "true")
    # a window is sampled from its own rows: half the table still shows `kind` as few
    assert _few_valued(con, "main.events", ["kind", "id"], "md5(id) < '8'") == {"kind"}
    assert _few_valued(con, "main.events", ["kind", "id"], "id like 'ab%'") == set()  # too few
    con.close()
    assert few == {"kind"}
    found = {(f.column, f.kind): (f.rows, f.masked_samples[:1]) for f in scan(path)}
    assert found == {
        ("kind", "phone number"): (21, ("call 139****5678",)),
        ("kind", "email"): (9, ("f***@example.com",)),
        ("id", "phone number"): (5, (found[("id", "phone number")][1][0],)),
    }
    assert found[("id", "phone number")][1][0].endswith(" 138****1111")


def test_columns_of_few_values_are_counted_each_from_one_grouped_read(tmp_path: Path):
    """Three columns of few values in one table (a list among them, nulls in one): each
    column's finds are its own, counted by rows, though one read groups them all. 3M rows,
    so that the 1% sample of blocks that judges a column's values holds enough of them."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table main.people as
        select
            case when i % 100000 = 3 then '13912345678' when i % 3 = 0 then null
                else 'wechat_openid' end as id_type,
            case when i % 2 = 0 then 'douyin' else 'weibo' end as platform,
            case when i % 50000 = 7 then ['shop.orders', 'fan@example.com']
                else ['shop.orders'] end as sources
        from range(3000000) as t(i)
        """
    )
    assert _few_valued(con, "main.people", ["id_type", "platform", "sources"], "true") == {
        "id_type",
        "platform",
        "sources",
    }
    con.close()
    found = {(f.table, f.column, f.kind): f.rows for f in scan(path)}
    assert found == {
        ("main.people", "id_type", "phone number"): 30,  # i = 3, 100003, …, 2900003
        ("main.people", "sources", "email"): 60,  # i = 7, 50007, …, 2950007
    }


STAMPS = {"intermediate.occurrences": "written_at"}


def stamped_warehouse(tmp_path: Path, rows: list[tuple[str, str | None]]) -> Path:
    path = tmp_path / "stamped.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create table if not exists intermediate.occurrences "
        "(id_value varchar, written_at timestamptz)"
    )
    con.executemany("insert into intermediate.occurrences values (?, ?::timestamptz)", rows)
    con.close()
    return path


def test_a_stamped_table_is_read_from_the_last_passing_scans_mark(tmp_path: Path):
    # a phone written before the mark stands for rows that scan read: not read again
    path = stamped_warehouse(tmp_path, [("13912345678", "2026-11-01 03:00:00+00")])
    marks = read_through(path, STAMPS)
    assert marks == {"intermediate.occurrences": ["2026-11-01T03:00:00+00:00", 1]}
    assert [f.kind for f in scan(path, stamps=STAMPS)] == ["phone number"]  # no mark: whole
    assert scan(path, stamps=STAMPS, since=marks) == []

    # rows written after the mark are read, and one with no stamp at all
    stamped_warehouse(
        tmp_path, [("fan@example.com", "2026-11-02 03:00:00+00"), ("x@example.org", None)]
    )
    [found] = scan(path, stamps=STAMPS, since=marks)
    assert (found.table, found.column, found.kind, found.rows) == (
        "intermediate.occurrences",
        "id_value",
        "email",
        2,
    )


def test_a_stamped_table_is_read_whole_when_its_rows_up_to_the_mark_changed(tmp_path: Path):
    path = stamped_warehouse(tmp_path, [("a1b2c3", "2026-11-02 03:00:00+00")])
    marks = read_through(path, STAMPS)
    # more rows up to the mark than that scan counted (a file of another warehouse's)
    stamped_warehouse(tmp_path, [("13912345678", "2026-11-01 03:00:00+00")])
    assert [f.kind for f in scan(path, stamps=STAMPS, since=marks)] == ["phone number"]
    # every stamp older than the mark (rebuilt from an older file): whole again
    con = duckdb.connect(str(path))
    con.execute("delete from intermediate.occurrences where id_value = 'a1b2c3'")
    con.close()
    assert [f.kind for f in scan(path, stamps=STAMPS, since=marks)] == ["phone number"]


def test_only_timestamp_stamps_of_undated_tables_window_the_scan(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    # a build number restarts at 1 when its table is built from nothing: not a mark
    con.execute("create table intermediate.components (id_value varchar, build_no integer)")
    con.execute("insert into intermediate.components values ('13912345678', 1)")
    con.close()
    stamps = {"intermediate.components": "build_no", "intermediate.gone": "written_at"}
    assert read_through(path, stamps) == {}
    since = {"intermediate.components": ["2026-11-01T00:00:00+00:00", 0]}
    assert [f.kind for f in scan(path, stamps=stamps, since=since)] == ["phone number"]
