"""One platform, one business day: fetch → land → load raw. The unit every asset runs.

The account registry enters raw once per run, as one table (``load_registry``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from ingestion.accounts import Account
from ingestion.erasure import scrub_file, suppressed_keys, suppressed_values
from ingestion.errors import DayUnavailableError
from ingestion.landing import latest_file, read_pages, write_pages
from ingestion.platforms.base import Source
from ingestion.privacy import hash_key, pseudonymise_record
from ingestion.raw import Row, load_day, source_label
from ingestion.settings import Paths

# raw.registry__accounts: the account registry (accounts.csv), one copy per business day
REGISTRY = ("registry", "accounts")


@dataclass
class IngestResult:
    platform: str
    business_date: date
    rows: dict[str, int] = field(default_factory=dict)
    landing_file: str | None = None
    replayed: bool = False
    skipped: str | None = None  # why nothing was loaded, when nothing could be
    skipped_items: list[str] = field(default_factory=list)  # entities or items left out, why
    requests: int = 0
    retries: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: list[str] = field(default_factory=list)  # a sample, for metadata
    duplicates_dropped: int = 0
    erased_dropped: int = 0  # records naming a person who asked to be erased
    rejected_files: list[str] = field(default_factory=list)  # export files moved aside
    # accounts left out because their token was refused even once renewed: the run fails
    # after loading the others (ingestion/platforms/base.py each_account)
    refused: list[str] = field(default_factory=list)

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
    environ: Mapping[str, str] | None = None,
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
        landed = write_pages(paths.landing, source.platform, day, run_id, pages)
    finally:
        result.rejected_files = list(getattr(source, "rejected_files", []))
        result.skipped_items = list(getattr(source, "skip_reasons", []))
        result.refused = list(getattr(source, "refused", []))
        client = getattr(source, "client", None)
        if client is not None:
            result.requests, result.retries = client.requests_sent, client.retries
    result.landing_file = str(landed)
    con = connect()
    try:
        erased = suppressed_keys(con)
        records, quarantined = _sort_records(
            source, landed, paths, day, result, os.environ if environ is None else environ, erased
        )
        # A snapshot entity the platform could not serve for this day keeps what raw has.
        skipped = getattr(source, "skipped_entities", set()) if not result.replayed else set()
        entities = [e for e in source.entities if e not in skipped]
        kept = {} if result.replayed else kept_rows(source, entities)
        result.rows = load_day(
            con, source.platform, entities, day, records, run_id, quarantined, kept
        )
    finally:
        con.close()
    # export sources keep an inbox ledger, Weibo its comment cursors
    mark_loaded = getattr(source, "mark_loaded", None)
    if mark_loaded is not None and not result.replayed:
        mark_loaded(day)
    return result


def kept_rows(source: Source, entities: list[str]) -> dict[str, dict[str, set[str]]]:
    """What of the day raw keeps, per entity and field: items the source did not fetch
    again, and every row of an account it left out."""
    kept = {e: {f: set(v) for f, v in fields.items()} for e, fields in
            getattr(source, "kept_items", {}).items()}  # fmt: skip
    accounts = getattr(source, "kept_accounts", set())
    if accounts:
        field_name = source.account_field  # type: ignore[attr-defined]
        for entity in entities:
            kept.setdefault(entity, {}).setdefault(field_name, set()).update(accounts)
    return kept


def _sort_records(
    source: Source,
    landed: Path,
    paths: Paths,
    day: date,
    result: IngestResult,
    environ: Mapping[str, str],
    erased: set[str],
):
    """Records of the landed pages: loadable ones per entity, the rest with their reason.

    Personal identifiers are hashed first, so neither raw nor quarantine holds them in
    clear. A record repeated verbatim (an item served again on the next page) loads once.
    A record naming an erased person (``erased``: suppression keys) is dropped.
    """
    secret: list[bytes] = []  # read only when a personal field turns up
    records: dict[str, list[Row]] = {}
    quarantined: list[tuple[str, str, Row]] = []
    seen: set[tuple[str, str]] = set()
    erased_found: set[str] = set()
    row_problems = getattr(source, "row_problems", None)
    for line, page in enumerate(read_pages(landed), start=1):
        label = source_label(paths.landing, landed, line)
        entity = page["entity"]
        if entity not in source.entities:
            continue  # a page of a table the platform no longer has
        extracted = source.extract(page, day)
        schema = source.schemas.get(entity)
        personal = dict(schema.personal) if schema else {}
        for index, record in enumerate(extracted):
            if personal:
                secret = secret or [hash_key(environ)]
                pseudonymise_record(record, personal, secret[0])
            if erased:
                secret = secret or [hash_key(environ)]
                found = suppressed_values(record, erased, secret[0])
                if found:
                    erased_found |= found
                    result.erased_dropped += 1
                    continue
            fingerprint = (entity, json.dumps(record, sort_keys=True, ensure_ascii=False))
            if fingerprint in seen:
                result.duplicates_dropped += 1
                continue
            seen.add(fingerprint)
            if row_problems is not None:  # export files name the file, sheet and row
                problems = row_problems(page, index, record)
            else:
                problems = schema.problems(record) if schema else []
            if problems:
                reason = "; ".join(problems)
                quarantined.append((entity, reason, (label, record)))
                result.quarantined[entity] = result.quarantined.get(entity, 0) + 1
                if len(result.quarantine_reasons) < 5:
                    result.quarantine_reasons.append(f"{entity} ({label}): {reason}")
            else:
                records.setdefault(entity, []).append((label, record))
    if erased_found:  # the platform still serves an erased person: not even landing keeps them
        scrub_file(landed, erased_found, secret[0])
    return records, quarantined


def load_registry(
    con: duckdb.DuckDBPyConnection,
    accounts: list[Account],
    days: list[date],
    run_id: str,
) -> dict[str, int]:
    """The registry's accounts as one raw table, ``raw.registry__accounts``, a copy for each
    of the run's days (dbt keeps each account's latest load). Rows per day loaded."""
    rows = [(f"accounts.csv#{i}", asdict(a)) for i, a in enumerate(accounts, start=1)]
    platform, entity = REGISTRY
    loaded = {}
    for day in days:
        counts = load_day(con, platform, [entity], day, {entity: rows}, run_id)
        loaded[day.isoformat()] = counts[entity]
    return loaded


def raw_tables() -> list[tuple[str, str]]:
    """(platform, entity) of every raw table the pipeline loads: each platform's entities
    and the registry."""
    from ingestion.platforms import PLATFORMS

    return [REGISTRY, *((key, e) for key, info in PLATFORMS.items() for e in info.entities)]
