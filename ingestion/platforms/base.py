"""The one interface every platform implements, API or export file alike.

A source ``fetch``es the pages of one business day for the accounts it is given (what
gets landed as received) and ``extract``s raw records of that day from a landed page (what
gets loaded into DuckDB). Loading always goes through landed pages, so a day can be
replayed from landing without asking the platform again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import httpx

from ingestion.accounts import Account, token_for
from ingestion.errors import DayUnavailableError
from ingestion.http import ApiClient, HttpPolicy, Page
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI


class Source(Protocol):
    platform: str
    entities: tuple[str, ...]
    snapshot_only: bool  # True when the platform serves only "now" (no past days)
    schemas: dict[str, RecordSchema]  # what each entity's records must hold to load

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]: ...

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class ApiSource:
    """What every API platform's source shares: its client, its tokens, closing."""

    platform: str
    client_class: type[ApiClient]
    schemas: dict[str, RecordSchema]
    entities: tuple[str, ...] = ()
    snapshot_only = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.entities = tuple(cls.schemas)  # one raw table per declared record schema

    def __init__(
        self,
        base_url: str,
        environ: Mapping[str, str],
        *,
        policy: HttpPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.client = self.client_class(base_url, policy=policy, transport=transport)
        self.environ = environ

    def token(self, account: Account) -> str:
        return token_for(self.platform, account.account_id, self.environ)

    def close(self) -> None:
        self.client.close()


def snapshot_day(served_at: datetime) -> date:
    """The business day a snapshot of "now" closes: a morning run describes yesterday."""
    return served_at.astimezone(SHANGHAI).date() - timedelta(days=1)


def require_snapshot_of(platform: str, served_at: datetime, day: date) -> None:
    served = snapshot_day(served_at)
    if served != day:
        raise DayUnavailableError(
            f"{platform} serves snapshots of {served} now; {day} can only be replayed from "
            "landing files"
        )
