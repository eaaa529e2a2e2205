"""The export-file inbox: which files are new, which business dates they cover, and moving
unreadable files aside with the reason (never half-loaded).

``<home>/inbox/<platform>/`` holds files as staff dropped them, directly or in an account's
sub-folder ``<account_id>/`` (for exports that do not name their account; each such folder
is an inbox of its own, and a file is named by its path under the platform's folder, e.g.
``acct_1/近30日涨粉数据.xlsx``). ``rejected/`` beside them
holds every file that could not be read, each under a unique name (the time it was moved
and a hash of its bytes) with ``<that name>.reason.txt``. ``.accepted/`` keeps the last good
version of each name, which loads even after a broken re-download of it was rejected.
``.loaded.jsonl`` records which file (by name and fingerprint) was read for which business
day by a load that succeeded, with the totals rows it skipped and a digest of the day's
rows, so a sensor starting on an inbox that scheduled runs already loaded (the demo's, a
restored instance's) starts nothing for it, and a re-download repeating loaded days starts
a run for its new days only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ingestion.errors import ExportFileError

REJECTED = "rejected"
LEDGER = ".loaded.jsonl"
ACCEPTED = ".accepted"  # the last good version of each file name: what loads
STANDS_IN = ".stands-in"  # beside a kept copy whose newer download was rejected


@dataclass
class InboxScan:
    new: dict[str, list[date]] = field(default_factory=dict)  # file name → dates it covers
    rejected: dict[str, str] = field(default_factory=dict)  # file name → reason
    fingerprints: dict[str, str] = field(default_factory=dict)  # every file seen → mtime:size


def fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def account_folders(folder: Path) -> list[Path]:
    """The platform's inbox and its account sub-folders."""
    if not folder.exists():
        return []
    subs = (p for p in folder.iterdir() if p.is_dir() and p.name != REJECTED)
    return [folder, *sorted(p for p in subs if not p.name.startswith("."))]


def _dropped(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def inbox_files(folder: Path) -> list[Path]:
    """Every file staff dropped (whatever its kind: one that cannot be read is rejected)."""
    return [p for sub in account_folders(folder) for p in _dropped(sub)]


def _drop_place(path: Path) -> Path:
    """Where a file was dropped: a kept copy stands for the file of its name beside it."""
    return path.parent.parent / path.name if path.parent.name == ACCEPTED else path


def entry_name(folder: Path, path: Path) -> str:
    """A file's name under the platform's inbox: ``a.xlsx`` or ``<account_id>/a.xlsx``."""
    return _drop_place(path).relative_to(folder).as_posix()


def account_of(folder: Path, path: Path) -> str | None:
    """The account whose sub-folder holds the file; None for a file directly in the inbox."""
    parent = _drop_place(path).parent
    return None if parent == folder else parent.name


def kept_files(folder: Path) -> list[Path]:
    """The kept copies that load: the copy of each file in the inbox, and of each name
    whose newer download was rejected. A file deleted from the inbox withdraws its rows."""
    kept = []
    for sub in account_folders(folder):
        accepted = sub / ACCEPTED
        names = {p.name for p in _dropped(sub)}
        names |= {p.name.removesuffix(STANDS_IN) for p in accepted.glob(f"*{STANDS_IN}")}
        kept += sorted(accepted / n for n in names if (accepted / n).is_file())
    return kept


def keep(path: Path) -> None:
    """Keep a copy of a file that passed the check, replacing an older version."""
    kept = path.parent / ACCEPTED / path.name
    if not kept.exists() or fingerprint(kept) != fingerprint(path):
        kept.parent.mkdir(exist_ok=True)
        shutil.copy2(path, kept)  # with its modification time: the download's, for versions
    kept.with_name(kept.name + STANDS_IN).unlink(missing_ok=True)


def scan(
    folder: Path, seen: dict[str, str], days: Callable[[Path], Mapping[date, str]]
) -> InboxScan:
    """Check every file not seen before (or changed since) with ``days`` (each date it
    covers with a digest of that date's rows, or ExportFileError); move unreadable ones
    aside.

    A date is not new when a load already took it from this very version of the file, or
    took the same rows (same digest) of it from an earlier version of the same name: a
    re-download of a 近30日 workbook starts a run for its changed days only.
    """
    result = InboxScan()
    by_version, by_rows = loaded_index(folder)
    for path in inbox_files(folder):
        mark = fingerprint(path)
        name = entry_name(folder, path)
        result.fingerprints[name] = mark
        if seen.get(name) == mark:
            continue
        try:
            done = by_version.get((name, mark), set())
            covered = days(path)
            new = [
                d
                for d, digest in covered.items()
                if d not in done and (name, d, digest) not in by_rows
            ]
        except ExportFileError as exc:
            reject(path, str(exc))
            result.rejected[name] = str(exc)
            del result.fingerprints[name]
            continue
        if new:
            result.new[name] = sorted(new)
    return result


def record_loaded(
    folder: Path,
    files: dict[str, str],
    day: date,
    totals: Mapping[str, int] | None = None,
    digests: Mapping[str, str] | None = None,
) -> None:
    """Note that ``files`` (name → fingerprint) were read for ``day`` by a successful load,
    with the totals rows (合计/总计) skipped in each and the digest of its rows of the day."""
    if not files:
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LEDGER).open("a", encoding="utf-8") as f:
        for name, mark in sorted(files.items()):
            entry = {"file": name, "fingerprint": mark, "day": day.isoformat()}
            entry["totals_skipped"] = (totals or {}).get(name, 0)
            if name in (digests or {}):
                entry["rows"] = (digests or {})[name]
            f.write(json.dumps(entry, ensure_ascii=False))
            f.write("\n")


def loaded_index(
    folder: Path,
) -> tuple[dict[tuple[str, str], set[date]], set[tuple[str, date, str]]]:
    """What successful loads read: (file name, fingerprint) → the business days, and each
    (file name, day, digest of that day's rows)."""
    path = folder / LEDGER
    by_version: dict[tuple[str, str], set[date]] = {}
    by_rows: set[tuple[str, date, str]] = set()
    if not path.exists():
        return by_version, by_rows
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            day = date.fromisoformat(entry["day"])
            by_version.setdefault((entry["file"], entry["fingerprint"]), set()).add(day)
            if "rows" in entry:
                by_rows.add((entry["file"], day, entry["rows"]))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a killed run: that load did not finish
    return by_version, by_rows


def reject(path: Path, reason: str) -> Path:
    """Move ``path`` to ``rejected/`` under a name no other rejected file has, the reason
    beside it: a second broken download of the same name never replaces the first."""
    folder = path.parent / REJECTED
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    target = folder / f"{path.stem}.{stamp}-{digest}{path.suffix}"
    shutil.move(str(path), target)
    (folder / f"{target.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    kept = path.parent / ACCEPTED / path.name
    if kept.exists():  # an earlier good version of the name loads in its place
        kept.with_name(kept.name + STANDS_IN).write_text(target.name + "\n", encoding="utf-8")
    return target
