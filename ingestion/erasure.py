"""Erasure requests (PIPL 删除权; docs/requirements.md R-X3): remove a person and keep them removed.

A request is a CSV dropped in ``<home>/inbox/erasure/`` with columns ``id_type,id_value``:
any identifier type of the identity graph (``douyin_open_id``, ``wechat_openid:<account>``,
``crm_member_id``…), ``phone`` or ``email`` in clear (hashed here, never stored), or
``unified_user_id``. Processing one request:

1. expands it to the whole person: every identifier the current bridge maps to the same
   unified user id as any identifier named;
2. deletes every raw row (quarantine included) whose record names one of them, in one
   transaction with the audit row of ``raw.erasure_log`` and the suppression keys;
3. blanks those identifiers in the landing files, so a replay cannot bring them back, and
   drops the rows naming them from the export files kept in the inbox (as dropped, their
   ``.accepted/`` copies and ``rejected/``): downloads hold phones in clear;
4. moves the request to ``inbox/erasure/done/`` (an unreadable one to ``rejected/``).

Platforms keep serving old comments and follower lists, so the person is also suppressed
for the future: ``raw.erasure_suppressions`` holds an HMAC of each erased identifier (not
the identifier) and ingestion drops any record naming one. Staging tables that keep
people's rows from run to run (comments, followers, contacts, orders, CRM members, the
identity chain's occurrences and edges, and the interactions: dbt incremental tables) are
dropped in the same transaction, so the next dbt build types them again from the raw that
remains; it rebuilds bridge, dims and facts without them too.
The audit row counts what was removed; it names no identifier.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import load_workbook

from ingestion.errors import ExportFileError
from ingestion.exports import ENCODINGS, SUFFIXES, UTF16_BOMS
from ingestion.inbox import reject
from ingestion.privacy import pseudonymise
from ingestion.settings import Paths

SUPPRESSIONS = "raw.erasure_suppressions"
LOG = "raw.erasure_log"
BRIDGE = "mart.bridge_user_identity"
ERASED = "erased"
DONE = "done"
CLEAR_TYPES = {"phone": "phone_hash", "email": "email_hash"}
# A staging table with one of these columns holds people's rows (see _personal_staging).
PERSON_COLUMNS = ("user_id", "openid", "external_userid", "buyer_id", "member_id")
# The intermediate tables of people's records that grow run after run (the identity chain's,
# docs/identity.md#6-a-new-day, and the interactions): dropped with the staging ones, so the
# next build lists and pairs the remaining records afresh.
INCREMENTAL_PEOPLE = ("int_identity__occurrences", "int_identity__edges", "int_user_interactions")
# Landing pages hold phones and emails as the platform sent them, before hashing.
_CLEAR_CANDIDATES = (
    ("phone", re.compile(r'"(\+?[0-9][0-9 ()\-]{6,22}[0-9])"')),
    ("email", re.compile(r'"([^"@\s]{1,64}@[^"@\s]{1,255})"')),
)
ID_TYPES = frozenset(
    {
        "douyin_open_id",
        "kuaishou_user_id",
        "bilibili_mid",
        "weibo_uid",
        "wechat_unionid",
        "xiaohongshu_user_id",
        "zhihu_user_id",
        "wecom_external_userid",
        "crm_member_id",
        "phone_hash",
        "email_hash",
        "unified_user_id",
        *CLEAR_TYPES,
    }
)


@dataclass
class ErasureOutcome:
    request_id: str
    identifiers_requested: int
    identifiers_erased: int = 0
    unified_users_erased: int = 0
    raw_rows_deleted: dict[str, int] = field(default_factory=dict)
    landing_files_scrubbed: int = 0
    inbox_files_scrubbed: int = 0


def erasure_inbox(paths: Paths) -> Path:
    return paths.inbox / "erasure"


def suppression_key(value: str, key: bytes) -> str:
    return hmac.new(key, f"erased:{value}".encode(), hashlib.sha256).hexdigest()


def read_request(path: Path, key: bytes) -> list[tuple[str, str]]:
    """The identifiers a request names, phones and emails hashed; errors name the row."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportFileError(f"{path}: not a UTF-8 CSV: {exc}") from exc
    if not rows or not {"id_type", "id_value"} <= set(rows[0]):
        raise ExportFileError(f"{path}: needs the columns id_type,id_value and one row or more")
    out = []
    for number, row in enumerate(rows, start=2):
        id_type, value = (row["id_type"] or "").strip(), (row["id_value"] or "").strip()
        if id_type not in ID_TYPES and not id_type.startswith("wechat_openid:"):
            raise ExportFileError(f"{path} row {number}: id_type {id_type!r} is not known")
        if not value:
            raise ExportFileError(f"{path} row {number}: id_value is empty")
        if id_type in CLEAR_TYPES:
            out.append((CLEAR_TYPES[id_type], str(pseudonymise(value, id_type, key))))
        else:
            out.append((id_type, value))
    return out


def pending_requests(paths: Paths) -> list[Path]:
    folder = erasure_inbox(paths)
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        f"""create table if not exists {SUPPRESSIONS} (
            value_key varchar not null, request_id varchar not null,
            added_at timestamp with time zone not null)"""
    )
    con.execute(
        f"""create table if not exists {LOG} (
            request_id varchar not null, received_at timestamp with time zone not null,
            processed_at timestamp with time zone not null, identifiers_requested integer,
            identifiers_erased integer, unified_users_erased integer, raw_rows_deleted json,
            landing_files_scrubbed integer)"""
    )
    # added later: a log created before keeps its rows
    con.execute(f"alter table {LOG} add column if not exists inbox_files_scrubbed integer")


def suppressed_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'erasure_suppressions'"
    ).fetchall()[0][0]
    if not found:
        return set()
    return {k for (k,) in con.execute(f"select value_key from {SUPPRESSIONS}").fetchall()}


def suppressed_values(record: Any, keys: set[str], key: bytes) -> set[str]:
    """The strings and integers anywhere in the record that are erased identifiers."""
    return {v for v in _scalars(record) if suppression_key(v, key) in keys}


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, str | int) and not isinstance(value, bool):
        yield str(value)


def apply_requests(
    paths: Paths, con: duckdb.DuckDBPyConnection, key: bytes
) -> list[ErasureOutcome]:
    """Process every pending request; see the module docstring."""
    ensure_tables(con)
    outcomes = []
    for path in pending_requests(paths):
        try:
            requested = read_request(path, key)
        except ExportFileError as exc:
            reject(path, str(exc))
            continue
        received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        outcome = _erase(con, paths, path.stem, requested, received, key)
        done = erasure_inbox(paths) / DONE
        done.mkdir(exist_ok=True)
        shutil.move(str(path), done / path.name)
        outcomes.append(outcome)
    return outcomes


def _erase(
    con: duckdb.DuckDBPyConnection,
    paths: Paths,
    request_id: str,
    requested: list[tuple[str, str]],
    received: datetime,
    key: bytes,
) -> ErasureOutcome:
    outcome = ErasureOutcome(request_id, len(requested))
    identifiers, users = _whole_person(con, requested)
    outcome.identifiers_erased, outcome.unified_users_erased = len(identifiers), users
    values = sorted({value for _, value in identifiers})
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table erased_values (quoted varchar)")
        con.executemany("insert into erased_values values (?)", [[json.dumps(v)] for v in values])
        for table in _raw_tables(con):
            deleted = con.execute(
                f"""delete from {table} as t where exists (
                    select 1 from erased_values as e
                    where contains(cast(t.record as varchar), e.quoted))"""
            ).fetchall()[0][0]
            if deleted:
                outcome.raw_rows_deleted[table] = deleted
        for table in _personal_staging(con):
            con.execute(f"drop table {table}")
        now = datetime.now(UTC)
        con.executemany(
            f"insert into {SUPPRESSIONS} values (?, ?, ?)",
            [[suppression_key(v, key), request_id, now] for v in values],
        )
        outcome.landing_files_scrubbed = scrub_landing(paths.landing, values, key)
        outcome.inbox_files_scrubbed = scrub_inbox(paths, values, key)
        con.execute(
            f"insert into {LOG} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                request_id,
                received,
                now,
                outcome.identifiers_requested,
                outcome.identifiers_erased,
                outcome.unified_users_erased,
                json.dumps(outcome.raw_rows_deleted),
                outcome.landing_files_scrubbed,
                outcome.inbox_files_scrubbed,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return outcome


def _whole_person(
    con: duckdb.DuckDBPyConnection, requested: list[tuple[str, str]]
) -> tuple[set[tuple[str, str]], int]:
    """The requested identifiers plus every identifier of the same unified user(s)."""
    identifiers = {(t, v) for t, v in requested if t != "unified_user_id"}
    user_ids = {v for t, v in requested if t == "unified_user_id"}
    has_bridge = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'mart' and table_name = 'bridge_user_identity'"
    ).fetchall()[0][0]
    if not has_bridge:
        return identifiers, len(user_ids)
    con.execute(
        "create or replace temp table erasure_requested (id_type varchar, id_value varchar)"
    )
    if identifiers:
        con.executemany(
            "insert into erasure_requested values (?, ?)", [list(i) for i in identifiers]
        )
    if user_ids:
        con.executemany(
            "insert into erasure_requested values ('unified_user_id', ?)", [[u] for u in user_ids]
        )
    rows = con.execute(
        f"""
        with users as (
            select distinct b.unified_user_id
            from {BRIDGE} as b
            join erasure_requested as r
                on (r.id_type = b.id_type and r.id_value = b.id_value)
                or (r.id_type = 'unified_user_id' and r.id_value = b.unified_user_id)
        )
        select b.id_type, b.id_value, b.unified_user_id
        from {BRIDGE} as b join users using (unified_user_id)
        """
    ).fetchall()
    identifiers |= {(t, v) for t, v, _ in rows}
    return identifiers, len({u for *_, u in rows} | user_ids)


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select table_name from information_schema.columns
        where table_schema = 'raw' and column_name = 'record' and data_type = 'JSON'
        order by 1
        """
    ).fetchall()
    return [f"raw.{name}" for (name,) in rows]


def _personal_staging(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Staging tables (not views: they read raw as it is) that hold people's rows, and the
    incremental intermediate tables of people's records."""
    rows = con.execute(
        """
        select distinct c.table_name from information_schema.columns as c
        join information_schema.tables as t using (table_catalog, table_schema, table_name)
        where c.table_schema = 'staging' and t.table_type = 'BASE TABLE'
            and c.column_name in ?
        order by 1
        """,
        [list(PERSON_COLUMNS)],
    ).fetchall()
    identity = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'intermediate' and table_name in ? order by 1",
        [list(INCREMENTAL_PEOPLE)],
    ).fetchall()
    return [f"staging.{name}" for (name,) in rows] + [f"intermediate.{n}" for (n,) in identity]


def scrub_landing(landing: Path, values: Iterable[str], key: bytes) -> int:
    """Blank the identifiers in every landing file that names one; return files changed."""
    erased = set(values)
    if not erased or not landing.exists():
        return 0
    return sum(scrub_file(path, erased, key) for path in sorted(landing.rglob("*.jsonl.gz")))


def scrub_file(path: Path, erased: set[str], key: bytes) -> bool:
    """Blank erased identifiers in one landing file, in place by a rename.

    Platform ids match as JSON strings; phones and emails, in clear in landing, match
    when their hash is among the erased values.
    """
    blank = json.dumps(ERASED)

    def clear_match(kind: str):  # noqa: ANN202 - a re.sub callback
        return lambda m: blank if pseudonymise(m[1], kind, key) in erased else m[0]

    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    scrubbed = text
    for value in erased:
        scrubbed = scrubbed.replace(json.dumps(value), blank)
    for kind, pattern in _CLEAR_CANDIDATES:
        scrubbed = pattern.sub(clear_match(kind), scrubbed)
    if scrubbed == text:
        return False
    tmp = path.with_name(f".{path.name}.part")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.write(scrubbed)
    os.replace(tmp, path)
    return True


def scrub_inbox(paths: Paths, values: Iterable[str], key: bytes) -> int:
    """Drop the rows naming an erased identifier from every export file kept in the inbox.

    A cell names one when it is the identifier itself, or a phone or email whose hash is
    erased. The file keeps its modification time, so which download is the latest does not
    change; its new size makes the inbox read it again, without the person.
    """
    erased = set(values)
    if not erased or not paths.inbox.exists():
        return 0
    requests = erasure_inbox(paths)
    files = (
        p
        for p in sorted(paths.inbox.rglob("*"))
        if p.is_file() and p.suffix.lower() in SUFFIXES and requests not in p.parents
    )
    return sum(_scrub_export(path, lambda cell: _names(cell, erased, key)) for path in files)


def _names(cell: Any, erased: set[str], key: bytes) -> bool:
    if cell is None:
        return False
    text = str(cell).strip()
    if text in erased:
        return True
    return any(
        pattern.fullmatch(f'"{text}"') and pseudonymise(text, kind, key) in erased
        for kind, pattern in _CLEAR_CANDIDATES
    )


def _scrub_export(path: Path, names: Callable[[Any], bool]) -> bool:
    """Rewrite ``path`` without the rows having a cell ``names`` picks; True if it changed."""
    stat = path.stat()
    if path.suffix.lower() == ".xlsx":
        changed = _scrub_workbook(path, names)
    else:
        changed = _scrub_text(path, names)
    if changed:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return changed


def _scrub_workbook(path: Path, names: Callable[[Any], bool]) -> bool:
    try:
        wb = load_workbook(path)
    except Exception:  # an unreadable workbook holds no rows to find; it stays rejected
        return False
    changed = False
    for sheet in wb.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        for index in range(len(rows), 0, -1):  # from the bottom: deleting shifts rows up
            if any(names(cell) for cell in rows[index - 1]):
                sheet.delete_rows(index)
                changed = True
    if changed:
        _replace(path, wb.save)
    wb.close()
    return changed


def _scrub_text(path: Path, names: Callable[[Any], bool]) -> bool:
    raw = path.read_bytes()
    encoding = _encoding(raw)
    if encoding is None:
        return False
    text = raw.decode(encoding)
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not any(names(c) for c in _cells(line))]
    if len(kept) == len(lines):
        return False
    _replace(path, lambda tmp: Path(tmp).write_bytes("".join(kept).encode(encoding)))
    return True


def _cells(line: str) -> list[str]:
    """A line's cells, comma-separated (CSV) or tab-separated (Excel's Unicode text)."""
    return [*next(csv.reader([line]), []), *line.rstrip("\r\n").split("\t")]


def _encoding(raw: bytes) -> str | None:
    """The encoding the export reader would read ``raw`` in (utf-16 keeps its BOM)."""
    if raw.startswith(UTF16_BOMS):
        return "utf-16"
    for encoding in ENCODINGS:
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _replace(path: Path, write: Callable[[str], Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
