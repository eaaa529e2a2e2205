"""Shared by the contract tests: documented-shape fixtures served through
``httpx.MockTransport``, and one day run through the real runner into a DuckDB file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import httpx

from ingestion.accounts import Account
from ingestion.http import HttpPolicy
from ingestion.runner import IngestResult, ingest_day
from ingestion.settings import Paths

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FAST = HttpPolicy(requests_per_second=0, max_attempts=1, concurrency=1)
ENV = {"SOCIALMART_HASH_KEY": "contract-test-key-16"}


def doc(relative: str) -> Any:
    """A documented-shape fixture (its source: README.md beside it)."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def mock(route: Callable[[httpx.Request], Any], date_header: str, seen: list | None = None):
    """A transport answering ``route(request)`` (a body, or a (status, body) pair)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = route(request)
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        return httpx.Response(status, json=body, headers={"Date": date_header})

    return httpx.MockTransport(handler)


def run_day(
    source, day: date, account: Account | list[Account], home: Path, run_id: str = "r1"
) -> IngestResult:
    paths = Paths(home)
    paths.landing.mkdir(parents=True, exist_ok=True)
    return ingest_day(
        source,
        day,
        account if isinstance(account, list) else [account],
        paths,
        run_id,
        lambda: duckdb.connect(str(home / "warehouse.duckdb")),
        ENV,
    )


def refusal(source, day: date, account: Account) -> str:
    """Why ``source`` left ``account`` out of ``day``: a refused account lands nothing."""
    assert list(source.fetch(day, [account])) == []
    (reason,) = source.refused
    return reason


def raw_rows(home: Path, platform: str, entity: str, day: date) -> list[dict[str, Any]]:
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        rows = con.execute(
            f"select record from raw.{platform}__{entity} where business_date = ?", [day]
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    return [json.loads(r[0]) for r in rows]
