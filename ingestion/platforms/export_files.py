"""Platforms without a public data API: their creator centres' export files.

Staff export the tables and drop them into ``<home>/inbox/<platform>/``. Every file there is
checked by ``check_export`` (the one validation, shared with the inbox sensor): a good file
is kept, its copy in ``.accepted/`` replacing an earlier version of the same name; a file
that cannot be read goes to ``rejected/`` with the reason, and the kept copy of an earlier
good version of it still loads, so a broken re-download never removes loaded rows (a file
staff delete from the inbox withdraws its rows). A day's rows are those of the kept files
whose 日期 is that day; rows naming an account the
registry does not hold, or a value that does not parse, are quarantined with the file,
sheet, row and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import ExportFileError
from ingestion.exports import ExportTable, position, read_table
from ingestion.http import Page
from ingestion.inbox import fingerprint, inbox_files, keep, kept_files, record_loaded, reject
from ingestion.schema import RecordSchema
from ingestion.values import parse_date

DATE_COLUMN = "日期"
ACCOUNT_COLUMN = "账号ID"


@dataclass(frozen=True)
class ExportLayout:
    """Which header holds each column of the generic export staging model of its grain.

    A social platform's export tables declare their layout here and share one staging
    path in dbt (``stg_exports__content_daily``, ``stg_exports__account_daily``), generated
    from the platform table: a new export platform needs no SQL of its own.

    ``columns`` maps a staging column (a conformed metric, or ``completion_rate``: a rate,
    completed views = views × rate) to its header, in the order the metric mapping lists
    them. The content grain also names the content id, title and publish-time headers
    (Beijing wall-clock times) and the content form: a constant, or a header whose values
    ``forms`` maps.
    """

    grain: str  # "content_daily" or "account_daily"
    columns: dict[str, str]
    content_id: str = ""
    title: str = ""
    published_at: str = ""
    form: str = ""  # the one form of every content, or ...
    form_column: str = ""  # ... the header whose values `forms` maps to a form
    forms: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportKind:
    """One export table: the header that identifies it and what its rows must hold."""

    marker: str
    schema: RecordSchema
    # the column naming the account; None for a system with one account (the CRM)
    account_column: str | None = ACCOUNT_COLUMN
    # how the generic staging path reads it; None when the table has a model of its own
    layout: ExportLayout | None = None
    # the columns naming one item of a day: of two files holding it, the later download wins
    key: tuple[str, ...] = ()

    def check_headers(self, path: Path, entity: str, headers: set[str]) -> None:
        missing = [h for h in self.schema.required if h not in headers]
        if missing:
            raise ExportFileError(f"{path}: {entity} export lacks column(s) {missing}")


@dataclass(frozen=True)
class CheckedExport:
    entity: str  # "" for a file with a header and no rows
    table: ExportTable
    dates: list[date]  # the business days its rows cover


def check_export(path: Path, kinds: Mapping[str, ExportKind]) -> CheckedExport:
    """Can this file load? Readable, a known export with its required columns, and every
    row's 日期 a date. Raises ExportFileError naming the file (and row) otherwise.

    The inbox sensor and the scheduled load both decide with this, so they agree."""
    table = read_table(path)
    if not table.rows:
        return CheckedExport("", table, [])
    headers = set(table.rows[0])
    if DATE_COLUMN not in headers:
        raise ExportFileError(f"{path}: no {DATE_COLUMN} column")
    entity = _classify(path, kinds, headers)
    dates = set()
    for index, row in enumerate(table.rows):
        where = position(path.name, table.sheet, table.numbers[index])
        try:
            day = parse_date(row[DATE_COLUMN])
        except ValueError as exc:
            raise ExportFileError(f"{where}: {DATE_COLUMN} {exc}") from exc
        if day is None:
            raise ExportFileError(f"{where}: {DATE_COLUMN} is empty")
        dates.add(day)
    return CheckedExport(entity, table, sorted(dates))


def _classify(path: Path, kinds: Mapping[str, ExportKind], headers: set[str]) -> str:
    for entity, kind in kinds.items():
        if kind.marker in headers:
            kind.check_headers(path, entity, headers)
            return entity
    raise ExportFileError(f"{path}: not a known export (headers {sorted(headers)})")


class ExportSource:
    snapshot_only = False

    def __init__(self, platform: str, kinds: dict[str, ExportKind], inbox: Path):
        self.platform = platform
        self.kinds = kinds
        self.entities = tuple(kinds)
        self.schemas = {entity: kind.schema for entity, kind in kinds.items()}
        self.folder = inbox / platform
        self.rejected_files: list[str] = []  # moved aside by the last fetch, with the reason
        self.consulted: dict[str, str] = {}  # file name → fingerprint read by the last fetch
        self.totals_skipped: dict[str, int] = {}  # file name → 合计/总计 rows skipped
        self.wanted: set[str] = set()  # the registry's accounts in the last fetch

    def close(self) -> None:
        pass

    def admit(self) -> None:
        """Check every inbox file: keep a copy of each good one, move each bad one aside."""
        self.rejected_files = []
        self.consulted = {}
        for path in inbox_files(self.folder):
            mark = fingerprint(path)
            try:
                check_export(path, self.kinds)
            except ExportFileError as exc:
                # Never half-loaded: the file goes aside whole, the others still load.
                reject(path, str(exc))
                self.rejected_files.append(str(exc))
                continue
            self.consulted[path.name] = mark
            keep(path)

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        """The day's rows of the kept files. Versions: of the rows of one item (the export's
        ``key``) on the day, the one in the latest download (the file's modification time)
        loads; an older file's (an earlier export, or the same rows as CSV beside XLSX) are
        landed marked ``superseded_by`` and not loaded."""
        self.wanted = {a.account_id for a in accounts}
        self.admit()
        self.totals_skipped = {}
        if not self.wanted:
            return
        found: list[tuple[Path, CheckedExport, list[int]]] = []
        latest: dict[tuple[str, ...], tuple[int, str]] = {}  # item → (mtime, file)
        for path in kept_files(self.folder):
            try:
                checked = check_export(path, self.kinds)  # admitted: it read before
            except ExportFileError as exc:
                self.rejected_files.append(f"kept copy: {exc}")
                continue
            self.totals_skipped[path.name] = checked.table.totals_skipped
            rows = checked.table.rows
            mine = [i for i, r in enumerate(rows) if parse_date(r[DATE_COLUMN]) == day]
            found.append((path, checked, mine))
            stamp = (path.stat().st_mtime_ns, path.name)
            for i in mine:
                key = self._version(checked.entity, rows[i])
                latest[key] = max(latest.get(key, stamp), stamp)
        for path, checked, mine in found:
            by_winner: dict[str, list[int]] = {}
            for i in mine:
                winner = latest[self._version(checked.entity, checked.table.rows[i])][1]
                by_winner.setdefault(winner, []).append(i)
            for winner, picked in sorted(by_winner.items()):
                yield self._page(path, checked, picked, None if winner == path.name else winner)

    def _version(self, entity: str, row: dict[str, Any]) -> tuple[str, ...]:
        """The item a row describes; a row of an export without a key is its own item."""
        key = self.kinds[entity].key
        if not key:
            return entity, json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
        return entity, *(str(row.get(column)) for column in key)

    def _page(
        self, path: Path, checked: CheckedExport, picked: list[int], superseded_by: str | None
    ) -> Page:
        table = checked.table
        params: dict[str, Any] = {
            "file": path.name,
            "sheet": table.sheet,
            "totals_skipped": table.totals_skipped,
        }
        if superseded_by:
            params["superseded_by"] = superseded_by
        body = {
            "rows": [table.rows[i] for i in picked],
            "row_numbers": [table.numbers[i] for i in picked],
        }
        return Page(self.platform, checked.entity, path.name, params, body)

    def row_problems(self, page: dict[str, Any], index: int, record: dict[str, Any]) -> list[str]:
        """Why a row cannot load, each reason naming the file, sheet, row and column."""
        entity = page["entity"]
        found = self.schemas[entity].problems(record)
        column = self.kinds[entity].account_column
        if column is not None and str(record.get(column)) not in self.wanted:
            found.append(f"{column} {record.get(column)!r} is not in accounts.csv")
        numbers = page["body"].get("row_numbers") or []  # pages landed before rows were numbered
        row = numbers[index] if index < len(numbers) else None
        where = position(page["params"]["file"], page["params"].get("sheet", ""), row)
        return [f"{where}: {problem}" for problem in found]

    def mark_loaded(self, day: date) -> None:
        """The day's load succeeded: the files it read need no run of their own for it."""
        record_loaded(self.folder, self.consulted, day, self.totals_skipped)

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        """The rows, their values typed once (dbt reads them typed); none of a superseded
        version."""
        if page["params"].get("superseded_by"):
            return []
        schema = self.schemas[page["entity"]]
        return [schema.typed(row) for row in page["body"]["rows"]]
