"""The file a publish updates: the spare, else a copy of the served file.

The spare is the file of the publish before last, kept under a hidden name at each swap
(a hard link, no copy). Updated in place it becomes the next served file, so a publish
writes only what changed since that publish, and never copies the served file (3.4 GB at
`large`: 2.6 s of the kernel's CPU and as much of writing back, each day, beside dbt). It
is taken only when nothing reads it: no descriptor of this process has it open, and no
other process holds a lock on it (every DuckDB connection does, read-only ones too); a
reader still on that publish keeps its snapshot, and the publish copies instead. Nothing
opens the spare by its name, so no reader can start on it once it is the spare.

Without a usable spare (the first publishes, a reader on it, a killed swap) the publish
starts from a plain copy of the served DuckDB file, made as soon as the run starts: the
kernel copies it while dbt keeps both cores busy, and the publish takes it by a rename.
It is taken only when the served file is still the one copied (same inode, size and
modification time): another publish in between replaced it, and its copy would make this
publish rewrite the tables that publish changed and write every Parquet file again.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

Identity = tuple[int, int, int]  # inode, size, modification time (ns) of the served file


@dataclass
class _Staging:
    path: Path
    thread: threading.Thread = field(init=False)
    source: Identity | None = None  # what was copied; None until the copy is whole


_STAGED: dict[tuple[Path, str], _Staging] = {}
_LOCK = threading.Lock()


def staged_path(serving_db: Path, run_id: str) -> Path:
    return serving_db.with_name(f".{serving_db.name}.{run_id[:8]}.staged")


def identity(path: Path) -> Identity | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def stage(serving_db: Path, run_id: str) -> threading.Thread | None:
    """Start copying ``serving_db`` for this run's publish, in a thread of this process
    (the run's steps share it: Dagster's in-process executor), and return the thread.
    Copies of other runs, which never published, are removed first. None when there is
    nothing to copy, or the publish can take the spare."""
    discard_others(serving_db, run_id)
    if identity(serving_db) is None or spare_is_free(serving_db):
        return None
    staging = _Staging(staged_path(serving_db, run_id))
    # a daemon thread: a run that ends before its publish leaves a file, no process
    staging.thread = threading.Thread(target=_copy, args=(serving_db, staging), daemon=True)
    with _LOCK:
        _STAGED[(serving_db, run_id)] = staging
    staging.thread.start()
    return staging.thread


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
    """Move this run's staged copy to ``target`` when it is a whole copy of the served file
    as it is now (waiting for the copy to finish); else remove it and return False."""
    with _LOCK:
        staging = _STAGED.pop((serving_db, run_id), None)
    if staging is None:
        return False
    staging.thread.join()
    if staging.source is None or staging.source != identity(serving_db):
        staging.path.unlink(missing_ok=True)
        return False
    os.replace(staging.path, target)
    return True


def discard_others(serving_db: Path, run_id: str | None = None) -> None:
    """Remove every staged copy of ``serving_db`` but ``run_id``'s: those of runs that ended
    before their publish (a failed step, a failed gate), and files a killed run left."""
    with _LOCK:
        others = [k for k in _STAGED if k[0] == serving_db and k[1] != run_id]
        dropped = [_STAGED.pop(k) for k in others]
        kept = {s.path for (db, _), s in _STAGED.items() if db == serving_db}
    for staging in dropped:
        staging.thread.join()
    for path in serving_db.parent.glob(f".{serving_db.name}.*.staged"):
        if path not in kept:
            path.unlink(missing_ok=True)


def spare_path(serving_db: Path) -> Path:
    return serving_db.with_name(f".{serving_db.name}.spare")


def keep_spare(serving_db: Path) -> None:
    """Keep the served file as the spare, just before a publish replaces it."""
    spare = spare_path(serving_db)
    spare.unlink(missing_ok=True)  # a reader still on it keeps it; the next publish copies
    try:
        os.link(serving_db, spare)
    except FileNotFoundError:
        pass  # the first publish: nothing served yet
    except OSError:
        pass  # no hard links on this file system: each publish copies


def take_spare(serving_db: Path, target: Path) -> bool:
    """Move the spare to ``target`` when nothing reads it; else leave it and return False."""
    if not spare_is_free(serving_db):
        return False
    os.replace(spare_path(serving_db), target)
    return True


def spare_is_free(serving_db: Path) -> bool:
    """Whether the spare is there, is not the served file (a swap killed after the link
    keeps both names on one file), and nothing has it open."""
    spare = spare_path(serving_db)
    try:
        stat = spare.stat()
    except FileNotFoundError:
        return False
    if stat.st_nlink != 1 or _open_here(stat):
        return False
    try:
        fd = os.open(spare, os.O_RDWR)
    except OSError:
        return False
    try:  # this process has no descriptor on it, so closing this one drops no lock of ours
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # another process reads it (DuckDB locks the files it opens)
    finally:
        os.close(fd)
    return True


def _open_here(stat: os.stat_result) -> bool:
    """Whether a descriptor of this process is on that file: a lock taken in this process
    would not stop this process's own lock test."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return True  # cannot tell: never update a file a reader may have open
    for fd in fds.iterdir():
        try:
            other = fd.stat()
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (stat.st_dev, stat.st_ino):
            return True
    return False
