"""One platform, one business day: fetch → land → load raw. The unit every asset runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import duckdb

from ingestion.accounts import Account
from ingestion.errors import DayUnavailableError
from ingestion.http import Page
from ingestion.landing import latest_file, read_pages, write_pages
from ingestion.platforms.base import Source
from ingestion.raw import load_day, source_label
from ingestion.settings import Paths

ACCOUNTS_ENTITY = "accounts"


@dataclass
class IngestResult:
    platform: str
    business_date: date
    rows: dict[str, int] = field(default_factory=dict)
    landing_file: str | None = None
    replayed: bool = False
    skipped: str | None = None  # why nothing was loaded, when nothing could be
    requests: int = 0
    retries: int = 0

    def metadata(self) -> dict[str, Any]:
        out = asdict(self)
        out["business_date"] = self.business_date.isoformat()
        return out


def ingest_day(
    source: Source,
    day: date,
    accounts: list[Account],
    paths: Paths,
    run_id: str,
    connect: Callable[[], duckdb.DuckDBPyConnection],
) -> IngestResult:
    """Fetch (or, for a day the platform no longer serves, replay) and load one day."""
    result = IngestResult(source.platform, day)
    mine = [a for a in accounts if a.platform == source.platform]
    try:
        pages = list(source.fetch(day, mine))
    except DayUnavailableError as exc:
        previous = latest_file(paths.landing, source.platform, day)
        if previous is None:
            # Nothing to replay and nothing lost: keep whatever raw already holds.
            result.skipped = str(exc)
            return result
        landed, result.replayed = previous, True
    else:
        pages.append(_registry_page(source.platform, mine))
        landed = write_pages(paths.landing, source.platform, day, run_id, pages)
    finally:
        client = getattr(source, "client", None)
        if client is not None:
            result.requests, result.retries = client.requests_sent, client.retries
    result.landing_file = str(landed)
    records: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for line, page in enumerate(read_pages(landed), start=1):
        label = source_label(paths.landing, landed, line)
        if page["entity"] == ACCOUNTS_ENTITY:
            extracted = page["body"]["rows"]
        else:
            extracted = source.extract(page, day)
        records.setdefault(page["entity"], []).extend((label, r) for r in extracted)
    con = connect()
    try:
        entities = (*source.entities, ACCOUNTS_ENTITY)
        result.rows = load_day(con, source.platform, entities, day, records, run_id)
    finally:
        con.close()
    return result


def _registry_page(platform: str, accounts: list[Account]) -> Page:
    rows = [asdict(a) for a in accounts]
    return Page(platform, ACCOUNTS_ENTITY, "accounts.csv", {}, {"rows": rows})
