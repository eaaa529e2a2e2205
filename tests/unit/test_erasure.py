"""Erasure requests: parsing, expansion to the whole person, deletion, audit, rejection."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from ingestion.erasure import apply_requests, read_request, suppressed_keys, suppressed_values
from ingestion.errors import ExportFileError
from ingestion.privacy import pseudonymise
from ingestion.settings import Paths
from tests.helpers import rejected_reasons

KEY = b"0123456789abcdef-test"
PHONE = "13912345678"


def test_a_request_hashes_clear_phones_and_names_the_bad_row(tmp_path: Path):
    good = tmp_path / "r1.csv"
    good.write_text("id_type,id_value\nphone,+86 139 1234 5678\nweibo_uid,6000000001\n")
    assert read_request(good, KEY) == [
        ("phone_hash", pseudonymise(PHONE, "phone", KEY)),
        ("weibo_uid", "6000000001"),
    ]
    bad = tmp_path / "r2.csv"
    bad.write_text("id_type,id_value\nweibo_uid,1\nqq_number,12345\n")
    with pytest.raises(ExportFileError, match=r"r2.csv row 3: id_type 'qq_number'"):
        read_request(bad, KEY)


def test_a_request_erases_every_identifier_of_the_person(tmp_path: Path):
    paths = Paths(tmp_path)
    phone_hash = pseudonymise(PHONE, "phone", KEY)
    con = duckdb.connect(str(paths.warehouse))
    con.execute("create schema raw; create schema mart")
    con.execute("create table raw.shop__orders (business_date date, record json)")
    con.execute(
        "insert into raw.shop__orders values "
        f"""('2026-11-01', '{{"doudian_open_id": "_000a", "post_tel_hash": "{phone_hash}"}}'),"""
        """('2026-11-01', '{"doudian_open_id": "_000b", "post_tel_hash": "x"}')"""
    )
    con.execute("create table raw.weibo__comments (business_date date, record json)")
    con.execute(
        """insert into raw.weibo__comments values ('2026-11-01', '{"user": {"idstr": "600"}}')"""
    )
    con.execute(
        "create table mart.bridge_user_identity as select * from (values "
        f"('douyin_open_id', '_000a', 'uu1'), ('phone_hash', '{phone_hash}', 'uu1'), "
        "('weibo_uid', '600', 'uu1'), ('douyin_open_id', '_000b', 'uu2')) "
        "t(id_type, id_value, unified_user_id)"
    )
    # staging tables: one of people's rows (dropped, dbt types it again), one of contents
    con.execute("create schema staging")
    con.execute("create table staging.stg_weibo__comments as select '600' as user_id")
    con.execute("create table staging.stg_weibo__statuses as select 's1' as content_id")
    con.execute("create view staging.stg_weibo__user as select '600' as user_id")
    # the identity chain's incremental tables keep people too (dropped); the rest are rebuilt
    con.execute("create schema intermediate")
    for table in ("int_identity__occurrences", "int_identity__edges", "int_identity__nodes"):
        con.execute(f"create table intermediate.{table} as select '600' as id_value")
    landing = paths.landing / "weibo" / "business_date=2026-11-01"
    landing.mkdir(parents=True)
    page = landing / "p.jsonl.gz"
    page.write_bytes(gzip.compress(b'{"user":{"idstr":"600"},"tel":"13912345678","x":"600x"}\n'))
    inbox = paths.inbox / "erasure"
    inbox.mkdir(parents=True)
    (inbox / "ticket-1.csv").write_text(f"id_type,id_value\nphone,{PHONE}\n")
    (inbox / "ticket-2.csv").write_text("id_type,id_value\nnickname,fan\n")

    outcomes = apply_requests(paths, con, KEY)

    assert [o.request_id for o in outcomes] == ["ticket-1"]
    staging = con.execute(
        "select table_name from information_schema.tables where table_schema = 'staging' order by 1"
    ).fetchall()
    assert staging == [("stg_weibo__statuses",), ("stg_weibo__user",)]
    intermediate = con.execute(
        "select table_name from information_schema.tables where table_schema = 'intermediate'"
    ).fetchall()
    assert intermediate == [("int_identity__nodes",)]
    assert outcomes[0].identifiers_erased == 3 and outcomes[0].unified_users_erased == 1
    assert outcomes[0].raw_rows_deleted == {"raw.shop__orders": 1, "raw.weibo__comments": 1}
    remaining = con.execute("select record ->> 'doudian_open_id' from raw.shop__orders").fetchall()
    assert remaining == [("_000b",)]
    log = con.execute("select request_id, identifiers_erased from raw.erasure_log").fetchall()
    assert log == [("ticket-1", 3)]
    assert gzip.decompress(page.read_bytes()) == (
        b'{"user":{"idstr":"erased"},"tel":"erased","x":"600x"}\n'
    )
    assert (inbox / "done" / "ticket-1.csv").exists()
    (reason,) = rejected_reasons(inbox)["ticket-2.csv"]
    assert "id_type 'nickname'" in reason
    # later records naming the person are recognised by their suppression keys
    keys = suppressed_keys(con)
    assert suppressed_values({"user": {"idstr": "600", "n": 1}}, keys, KEY) == {"600"}
    assert suppressed_values({"open_id": "_000b"}, keys, KEY) == set()
    assert PHONE not in json.dumps(
        con.execute("select * from raw.erasure_log").fetchall(), default=str
    )


def test_a_request_drops_the_persons_rows_from_the_export_files_kept_in_the_inbox(
    tmp_path: Path,
):
    from openpyxl import Workbook, load_workbook

    paths = Paths(tmp_path)
    crm = paths.inbox / "crm"
    (crm / ".accepted").mkdir(parents=True)
    (crm / "rejected").mkdir()
    # as downloaded: GBK, a title row, the phone written with spaces
    dropped = crm / "会员导出.csv"
    rows = [
        "会员导出 2026-11-01",
        "会员ID,手机号,姓名",
        "M1,139 1234 5678,张三",
        "M2,13800000000,李四",
    ]
    dropped.write_bytes("\n".join([*rows, ""]).encode("gbk"))
    rejected = crm / "rejected" / "broken.csv"
    rejected.write_text("会员ID,手机号\nM1,13912345678\n", encoding="utf-16")
    wb = Workbook()
    wb.active.append(["会员ID", "手机号"])
    wb.active.append(["M2", 13800000000])
    wb.active.append(["M1", 13912345678])  # a phone typed as a number by Excel
    accepted = crm / ".accepted" / "会员导出.xlsx"
    wb.save(accepted)
    mtime = dropped.stat().st_mtime_ns
    requests = paths.inbox / "erasure"
    requests.mkdir()
    (requests / "ticket-9.csv").write_text(f"id_type,id_value\nphone,{PHONE}\n")
    con = duckdb.connect(str(paths.warehouse))

    (outcome,) = apply_requests(paths, con, KEY)

    assert outcome.inbox_files_scrubbed == 3
    assert dropped.read_bytes().decode("gbk").splitlines() == [
        "会员导出 2026-11-01",
        "会员ID,手机号,姓名",
        "M2,13800000000,李四",
    ]
    assert dropped.stat().st_mtime_ns == mtime  # still the same download, by time
    assert rejected.read_text(encoding="utf-16").splitlines() == ["会员ID,手机号"]
    kept = load_workbook(accepted).active
    assert [tuple(r) for r in kept.iter_rows(values_only=True)] == [
        ("会员ID", "手机号"),
        ("M2", 13800000000),
    ]
    assert con.execute("select inbox_files_scrubbed from raw.erasure_log").fetchall() == [(3,)]
