"""The file a publish updates, made ready while the run's dbt build works.

A publish starts from a file holding an earlier publish, updates it to the warehouse and
renames it over the served file. That file is, in order of preference:

- **the spare**: the file the last publish replaced (``.<name>.spare``, a hard link kept
  at the swap). It is one publish behind the served file, and the publish's comparison with
  the warehouse (by the fingerprints the file records) rewrites what changed in both
  publishes. Nothing is copied: at `large`, the copy of the served file was 3.1 GB written
  and read on every daily run (1.2 GB at 91 days of history), evicting the warehouse from
  the page cache while dbt read it. The spare is taken only when no other process has it
  open (a reader that connected before the last swap holds DuckDB's lock on it, and must
  keep reading the publish it opened) and it is not the served file itself (a swap killed
  between keeping it and renaming).
- **a plain copy of the served file**, when there is no spare to take: the kernel copies
  it while dbt keeps both cores busy.

Either is taken by the publish by a rename only when the served file is still the one it
was staged against (same inode, size and modification time): another publish in between
replaced it, and the file would make this publish rewrite the tables that publish changed
and write every Parquet file again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

Identity = tuple[int, int, int]  # inode, size, modification time (ns) of the served file


@dataclass
class _Staging:
    path: Path
    thread: threading.Thread | None = None  # the copy; None for a spare taken by a rename
    source: Identity | None = None  # the served file staged against; None until ready
    spare: bool = False


_STAGED: dict[tuple[Path, str], _Staging] = {}
_LOCK = threading.Lock()


def staged_path(serving_db: Path, run_id: str) -> Path:
    return serving_db.with_name(f".{serving_db.name}.{run_id[:8]}.staged")


def spare_path(serving_db: Path) -> Path:
    return serving_db.with_name(f".{serving_db.name}.spare")


def identity(path: Path) -> Identity | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def stage(serving_db: Path, run_id: str) -> threading.Thread | None:
    """Make the file this run's publish updates: take the spare, else start copying
    ``serving_db`` in a thread of this process (the run's steps share it: Dagster's
    in-process executor) and return the thread. Files staged for other runs, which never
    published, are removed first. None when nothing is copied."""
    discard_others(serving_db, run_id)
    served = identity(serving_db)
    if served is None:
        return None
    staging = _Staging(staged_path(serving_db, run_id))
    if _take_spare(serving_db, staging.path, served):
        staging.source, staging.spare = served, True
        with _LOCK:
            _STAGED[(serving_db, run_id)] = staging
        return None
    # a daemon thread: a run that ends before its publish leaves a file, no process
    staging.thread = threading.Thread(target=_copy, args=(serving_db, staging), daemon=True)
    with _LOCK:
        _STAGED[(serving_db, run_id)] = staging
    staging.thread.start()
    return staging.thread


def keep_spare(serving_db: Path) -> None:
    """Keep the served file as the spare before a publish replaces it (a second name for
    the same file: readers on it are not disturbed, and nothing is copied)."""
    if identity(serving_db) is None:
        return
    spare = spare_path(serving_db)
    link = spare.with_name(spare.name + ".new")
    link.unlink(missing_ok=True)
    try:
        os.link(serving_db, link)
    except OSError:  # a file system without hard links: the next publish copies
        spare.unlink(missing_ok=True)
        return
    os.replace(link, spare)


def take_spare(serving_db: Path, target: Path) -> bool:
    """Move the spare to ``target`` when it can be updated (a publish nothing was staged
    for: a full build, a backfill from the UI's materialize)."""
    served = identity(serving_db)
    return served is not None and _take_spare(serving_db, target, served)


def _take_spare(serving_db: Path, target: Path, served: Identity) -> bool:
    spare = spare_path(serving_db)
    kept = identity(spare)
    if kept is None:
        return False
    if kept[0] == served[0]:  # the served file under a second name: never updated in place
        spare.unlink(missing_ok=True)
        return False
    if in_use(spare):
        return False
    os.replace(spare, target)
    return True


def in_use(path: Path) -> bool:
    """Whether another process holds a DuckDB connection to ``path``: DuckDB locks the
    whole file (fcntl; shared for a read-only connection), so an exclusive lock is refused.
    Connections of this process are not seen (fcntl locks are per process)."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _copy(serving_db: Path, staging: _Staging) -> None:
    before = identity(serving_db)
    try:
        shutil.copyfile(serving_db, staging.path)
    except OSError:
        staging.path.unlink(missing_ok=True)
        return
    if before is not None and identity(serving_db) == before:  # not replaced while copied
        staging.source = before


def take(serving_db: Path, run_id: str, target: Path) -> bool:
    """Move this run's staged file to ``target`` when the served file is still the one it
    was staged against (waiting for a copy to finish); else remove it and return False."""
    with _LOCK:
        staging = _STAGED.pop((serving_db, run_id), None)
    if staging is None:
        return False
    if staging.thread is not None:
        staging.thread.join()
    if staging.source is None or staging.source != identity(serving_db):
        staging.path.unlink(missing_ok=True)
        return False
    os.replace(staging.path, target)
    return True


def discard_others(serving_db: Path, run_id: str | None = None) -> None:
    """Remove every staged file of ``serving_db`` but ``run_id``'s: those of runs that
    ended before their publish (a failed step, a failed gate), and files a killed run left.
    A spare such a run took, still as it was, becomes the spare again while the served file
    is the one it was staged against."""
    with _LOCK:
        others = [k for k in _STAGED if k[0] == serving_db and k[1] != run_id]
        dropped = [_STAGED.pop(k) for k in others]
        kept = {s.path for (db, _), s in _STAGED.items() if db == serving_db}
    for staging in dropped:
        if staging.thread is not None:
            staging.thread.join()
        if (
            staging.spare
            and staging.source == identity(serving_db)
            and identity(spare_path(serving_db)) is None
            and staging.path.exists()
        ):
            os.replace(staging.path, spare_path(serving_db))
    for path in serving_db.parent.glob(f".{serving_db.name}.*.staged"):
        if path not in kept:
            path.unlink(missing_ok=True)
