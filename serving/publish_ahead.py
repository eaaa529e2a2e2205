"""The publish built while the run's gates audit the warehouse: write-audit-publish with
the audit and the hidden build side by side, the swap after both.

When a run's dbt build has succeeded, nothing writes the warehouse's mart and kpi until
the run ends (one run at a time, and its gates and PII scan only read), so the publish's
hidden file and Parquet folder (``serving.publishing.prepare``) can be built in a thread
of this process while the gates validate. The GX checks are mostly Python on one core;
the build is DuckDB: the two overlap on the machine's two cores.

The publish step takes the build only when every gate passed (it never serves otherwise)
and the build is of the warehouse and served file as they are then: neither file has
changed since it began (same inode, size and modification time, the warehouse's WAL
included). Anything else (a build that failed, a warehouse written since, another publish
in between) is discarded and the publish step builds anew, as without this module.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.warehouse import Limits, memory_share
from serving.parquet import PARTITIONED
from serving.publishing import Prepared, prepare
from serving.served_copy import Identity, identity

Files = tuple[Identity | None, Identity | None]  # the warehouse file and its WAL


@dataclass
class _Ahead:
    warehouse: Files
    thread: threading.Thread = field(init=False)
    prepared: Prepared | None = None
    error: BaseException | None = None


_AHEAD: dict[tuple[Path, str], _Ahead] = {}
_LOCK = threading.Lock()


def files(warehouse: Path) -> Files:
    return identity(warehouse), identity(warehouse.with_name(warehouse.name + ".wal"))


def start(
    warehouse: Path,
    serving_db: Path,
    parquet_dir: Path,
    run_id: str,
    withheld: dict[str, set[str]],
    limits: Limits,
    partitioned: Mapping[str, tuple[str, ...]] = PARTITIONED,
) -> threading.Thread:
    """Begin building this run's publish in a thread of this process (the run's steps share
    it: Dagster's in-process executor). Builds left by other runs are discarded first.

    Not a daemon: a run that ends before its publish step (a failed check step) waits for
    the build to end; the next publish removes its files, as a killed publish's."""
    discard(serving_db)
    ahead = _Ahead(files(warehouse))
    # beside the gates' DuckDB in the same process: half the memory limit keeps the two
    # within the process's budget (a 7-day backfill at `large` peaked at 6.0 GB with the
    # whole limit each, against 5.2 GB without the build ahead)
    limits = Limits(
        memory_limit=memory_share(limits["memory_limit"], 0.5), threads=limits["threads"]
    )

    def build() -> None:
        try:
            ahead.prepared = prepare(
                warehouse, serving_db, parquet_dir, run_id, withheld, partitioned, limits
            )
        except BaseException as exc:  # re-raised by nobody: the publish step builds anew
            ahead.error = exc

    ahead.thread = threading.Thread(target=build, name=f"publish-ahead-{run_id[:8]}")
    with _LOCK:
        _AHEAD[(serving_db, run_id)] = ahead
    ahead.thread.start()
    return ahead.thread


def take(warehouse: Path, serving_db: Path, run_id: str) -> tuple[Prepared | None, str]:
    """This run's build (waiting for it to end) when it can be served as it is, and why
    not when it cannot (its files are then removed)."""
    with _LOCK:
        ahead = _AHEAD.pop((serving_db, run_id), None)
    if ahead is None:
        return None, "no build ahead"
    ahead.thread.join()
    prepared = ahead.prepared
    if prepared is None:
        return None, f"the build ahead failed: {type(ahead.error).__name__}: {ahead.error}"[:300]
    if files(warehouse) != ahead.warehouse:
        why = "the warehouse was written since the build ahead began"
    elif identity(serving_db) != prepared.served:
        why = "another publish replaced the served file since"
    else:
        return prepared, ""
    prepared.discard()
    return None, why


def discard(serving_db: Path) -> None:
    """End and remove every build ahead of ``serving_db`` not taken (a run whose gate
    failed, or one ended before its publish step)."""
    with _LOCK:
        dropped = [_AHEAD.pop(key) for key in [k for k in _AHEAD if k[0] == serving_db]]
    for ahead in dropped:
        ahead.thread.join()
        if ahead.prepared is not None:
            ahead.prepared.discard()
