"""The export-file inbox: which files are new, which business dates they cover, and moving
unreadable files aside with the reason (never half-loaded).

``<home>/inbox/<platform>/`` holds files as staff dropped them; ``rejected/`` beside them
holds the files that could not be read, each with ``<name>.reason.txt``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingestion.errors import ExportFileError
from ingestion.exports import read_export
from ingestion.values import parse_date

REJECTED = "rejected"
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
    """Read every file not seen before (or changed since); move unreadable ones aside."""
    result = InboxScan()
    if not folder.exists():
        return result
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
            result.new[path.name] = covered_dates(path)
        except ExportFileError as exc:
            reject(path, str(exc))
            result.rejected[path.name] = str(exc)
            del result.fingerprints[path.name]
    return result


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
