"""Append-only landing: every page exactly as received, one gzip JSONL file per run.

``<home>/landing/<platform>/business_date=<day>/<utc stamp>_<run id>.jsonl.gz``, one page
per line. Files are written to a hidden temporary name and renamed into place, so a
killed run never leaves a half-written file that a replay could pick up.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingestion.http import Page


def day_folder(landing: Path, platform: str, day: date) -> Path:
    return landing / platform / f"business_date={day.isoformat()}"


def write_pages(
    landing: Path, platform: str, day: date, run_id: str, pages: Iterable[Page]
) -> Path:
    folder = day_folder(landing, platform, day)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.part"):  # a killed run's half-written file: never read
        stale.unlink()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = folder / f"{stamp}_{run_id}.jsonl.gz"
    tmp = folder / f".{final.name}.part"
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        for page in pages:
            f.write(json.dumps(page.to_json(), ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    os.replace(tmp, final)
    return final


def latest_file(landing: Path, platform: str, day: date) -> Path | None:
    folder = day_folder(landing, platform, day)
    if not folder.exists():
        return None
    files = sorted(p for p in folder.glob("*.jsonl.gz") if not p.name.startswith("."))
    return files[-1] if files else None


def read_pages(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
