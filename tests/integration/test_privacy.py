"""Phones and emails never reach DuckDB in clear; hashes still link the same person."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from ingestion.accounts import read_accounts
from ingestion.errors import ConfigError
from ingestion.platforms import build_source
from ingestion.privacy import hash_key, pseudonymise, pseudonymise_record
from ingestion.runner import ingest_day

PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
KEY = b"0123456789abcdef-test"


def test_same_phone_in_any_form_hashes_alike():
    forms = ["13912345678", "+86 139-1234-5678", "0086 13912345678", " 139 1234 5678 "]
    assert len({pseudonymise(f, "phone", KEY) for f in forms}) == 1
    assert pseudonymise("Fan@Example.com ", "email", KEY) == pseudonymise(
        "fan@example.com", "email", KEY
    )
    assert pseudonymise("", "phone", KEY) is None
    assert pseudonymise("13912345678", "phone", b"another-key-0123") != pseudonymise(
        "13912345678", "phone", KEY
    )


@pytest.mark.parametrize(
    ("value", "kind", "marker"),
    [
        ("00000000000", "phone", "placeholder:phone:repeated-digit"),
        ("+86 138 0013 8000", "phone", "placeholder:phone:test-number"),
        ("12345678901", "phone", "placeholder:phone:test-number"),
        ("--", "phone", "placeholder:phone:no-digits"),
        ("TEST@test.com", "email", "placeholder:email:test-address"),
        ("not an email", "email", "placeholder:email:malformed"),
    ],
)
def test_placeholder_values_become_markers_without_digits(value, kind, marker):
    assert pseudonymise(value, kind, KEY) == marker
    assert not PHONE.search(marker)


def test_nested_and_list_fields_are_replaced():
    record = {"follow_info": {"remark_mobiles": ["13912345678", "13900139000"]}, "post_tel": "1"}
    pseudonymise_record(record, {"follow_info.remark_mobiles": "phone", "post_tel": "phone"}, KEY)
    assert "remark_mobiles" not in record["follow_info"] and "post_tel" not in record
    assert record["follow_info"]["remark_mobiles_hash"][0] == pseudonymise(
        "13912345678", "phone", KEY
    )


def test_a_short_or_missing_key_is_refused():
    with pytest.raises(ConfigError, match="SOCIALMART_HASH_KEY"):
        hash_key({"SOCIALMART_HASH_KEY": "short"})


def test_loaded_sources_hold_no_phone_or_email(simulator, sim_env):
    day = date(2026, 11, 20)
    accounts = read_accounts(simulator.paths.accounts)
    for platform in ("wecom", "shop", "crm"):
        source = build_source(platform, simulator.paths, sim_env)
        try:
            ingest_day(
                source,
                day,
                accounts,
                simulator.paths,
                "r",
                lambda: duckdb.connect(str(simulator.paths.warehouse)),
                sim_env,
            )
        finally:
            source.close()
    con = duckdb.connect(str(simulator.paths.warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        text = "\n".join(
            str(row) for t in tables for row in con.execute(f"select * from raw.{t}").fetchall()
        )
        crm = con.execute("select record ->> '手机号_hash' from raw.crm__members").fetchall()
    finally:
        con.close()
    assert {"wecom__contacts", "shop__orders", "crm__members"} <= set(tables)
    assert PHONE.findall(text) == [] and EMAIL.findall(text) == []
    key = hash_key(sim_env)
    members = simulator.world.crm_members(day)
    assert members and sorted(h for (h,) in crm) == sorted(
        pseudonymise(p.ids["phone"], "phone", key) for p, _ in members
    )
