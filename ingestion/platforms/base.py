"""The one interface every platform implements, API or export file alike.

A source ``fetch``es the pages of one business day for the accounts it is given (what
gets landed as received) and ``extract``s raw records of that day from a landed page (what
gets loaded into DuckDB). Loading always goes through landed pages, so a day can be
replayed from landing without asking the platform again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Protocol

from ingestion.accounts import Account
from ingestion.http import Page
from ingestion.schema import RecordSchema


class Source(Protocol):
    platform: str
    entities: tuple[str, ...]
    snapshot_only: bool  # True when the platform serves only "now" (no past days)
    schemas: dict[str, RecordSchema]  # what each entity's records must hold to load

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]: ...

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...
