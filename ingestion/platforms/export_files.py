"""Platforms without a public data API: their creator centres' export files.

Staff export the tables and drop them into ``<home>/inbox/<platform>/``. A file is
recognised by a marker header; a day's rows are those whose 日期 is that day, whatever file
they came in, for the accounts in the registry.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import ExportFileError
from ingestion.exports import read_export
from ingestion.http import Page
from ingestion.inbox import fingerprint, record_loaded, reject
from ingestion.schema import RecordSchema

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

    def check_headers(self, path: Path, entity: str, headers: set[str]) -> None:
        missing = [h for h in self.schema.required if h not in headers]
        if missing:
            raise ExportFileError(f"{path}: {entity} export lacks column(s) {missing}")


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

    def close(self) -> None:
        pass

    def files(self) -> list[Path]:
        if not self.folder.exists():
            return []
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith(".")
        )

    def classify(self, path: Path, rows: list[dict[str, Any]]) -> str:
        headers = set(rows[0]) if rows else set()
        for entity, kind in self.kinds.items():
            if kind.marker in headers:
                kind.check_headers(path, entity, headers)
                return entity
        raise ExportFileError(
            f"{path}: not a known {self.platform} export (headers {sorted(headers)})"
        )

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        wanted = {a.account_id for a in accounts}
        self.rejected_files = []
        self.consulted = {}
        if not wanted:
            return
        for path in self.files():
            try:
                mark = fingerprint(path)
                rows = read_export(path)
                entity = self.classify(path, rows) if rows else ""
            except ExportFileError as exc:
                # Never half-loaded: the file goes aside whole, the others still load.
                reject(path, str(exc))
                self.rejected_files.append(str(exc))
                continue
            self.consulted[path.name] = mark
            if not rows:
                continue
            column = self.kinds[entity].account_column
            mine = [
                r
                for r in rows
                if str(r.get(DATE_COLUMN, ""))[:10] == day.isoformat()
                and (column is None or str(r.get(column)) in wanted)
            ]
            if mine:
                yield Page(self.platform, entity, path.name, {"file": path.name}, {"rows": mine})

    def mark_loaded(self, day: date) -> None:
        """The day's load succeeded: the files it read need no run of their own for it."""
        record_loaded(self.folder, self.consulted, day)

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        return list(page["body"]["rows"])
