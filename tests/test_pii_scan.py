"""The warehouse-wide scan for phone numbers and emails in clear (SPEC R-X1)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb

from expectations.pii import mask, scan


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


def test_mask_hides_the_middle_of_phones_and_the_local_part_of_emails():
    assert mask("13912345678 / fan123@example.com") == "139****5678 / f***@example.com"
