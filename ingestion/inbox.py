"""The export-file inbox: which files are new, which business dates they cover, and moving
unreadable files aside with the reason (never half-loaded).

``<home>/inbox/<platform>/`` holds files as staff dropped them; ``rejected/`` beside them
holds the files that could not be read, each with ``<name>.reason.txt``; ``.loaded.jsonl``
records which file (by name and fingerprint) was read for which business day by a load
that succeeded, so a sensor starting on an inbox that scheduled runs already loaded (the
demo's, a restored instance's) starts nothing for it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.errors import ExportFileError
from ingestion.exports import read_export
from ingestion.values import parse_date

REJECTED = "rejected"
LEDGER = ".loaded.jsonl"
DATE_COLUMN = "日期"


@dataclass
class InboxScan:
    new: dict[str, list[date]] = field(default_factory=dict)  # file name → dates it covers
    rejected: dict[str, str] = field(default_factory=dict)  # file name → reason
    fingerprints: dict[str, str] = field(default_factory=dict)  # every file seen → mtime:size


def fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def scan(folder: Path, seen: dict[str, str]) -> InboxScan:
    """Read every file not seen before (or changed since); move unreadable ones aside.

    A file's dates that a load already took from this very version of it are not new.
    """
    result = InboxScan()
    if not folder.exists():
        return result
    loaded = loaded_days(folder)
    for path in sorted(folder.iterdir()):
        if (
            not path.is_file()
            or path.name.startswith(".")
            or path.suffix.lower() not in (".xlsx", ".csv")
        ):
            continue
        mark = fingerprint(path)
        result.fingerprints[path.name] = mark
        if seen.get(path.name) == mark:
            continue
        try:
            done = loaded.get((path.name, mark), set())
            days = [d for d in covered_dates(path) if d not in done]
        except ExportFileError as exc:
            reject(path, str(exc))
            result.rejected[path.name] = str(exc)
            del result.fingerprints[path.name]
            continue
        if days:
            result.new[path.name] = days
    return result


def record_loaded(folder: Path, files: dict[str, str], day: date) -> None:
    """Note that ``files`` (name → fingerprint) were read for ``day`` by a successful load."""
    if not files:
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LEDGER).open("a", encoding="utf-8") as f:
        for name, mark in sorted(files.items()):
            f.write(json.dumps({"file": name, "fingerprint": mark, "day": day.isoformat()}))
            f.write("\n")


def loaded_days(folder: Path) -> dict[tuple[str, str], set[date]]:
    """(file name, fingerprint) → the business days a successful load read it for."""
    path = folder / LEDGER
    out: dict[tuple[str, str], set[date]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            key = (entry["file"], entry["fingerprint"])
            out.setdefault(key, set()).add(date.fromisoformat(entry["day"]))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a killed run: that load did not finish
    return out


def covered_dates(path: Path) -> list[date]:
    rows = read_export(path)
    dates = set()
    for number, row in enumerate(rows, start=2):
        if DATE_COLUMN not in row:
            raise ExportFileError(f"{path}: no {DATE_COLUMN} column")
        try:
            day = parse_date(row[DATE_COLUMN])
        except ValueError as exc:
            raise ExportFileError(f"{path} row {number}: {DATE_COLUMN} {exc}") from exc
        if day is None:
            raise ExportFileError(f"{path} row {number}: {DATE_COLUMN} is empty")
        dates.add(day)
    return sorted(dates)


def reject(path: Path, reason: str) -> Path:
    folder = path.parent / REJECTED
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    shutil.move(str(path), target)
    (folder / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target
