"""A run's publish, prepared while the run's checks run; made seen only once they passed.

After dbt, a run's gates (the Great Expectations suites, the PII scan) only read the
warehouse, one after another, mostly in single-threaded Python: about 20 s of a daily run
at `large` with one core of two idle. The publish reads the same warehouse and writes only
hidden files (``serving.publishing.prepare``), mostly in DuckDB's threads. So a one-day
run starts it as soon as dbt is done (a range's gates read every day of it, and beside
them the publish cost time and memory: ``orchestration.dbt_assets``), in a thread of this
process (the run's steps share it: Dagster's in-process executor), and the publish step,
once every gate passed, takes it and swaps it in (``Prepared.swap``): write-audit-publish
still shows readers nothing that a gate has not passed. A gate that fails cancels it (it
stops before its next table) and its files are removed; so are those of any other run's,
which never got to its publish.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from serving.publishing import Cancelled, Prepared


@dataclass
class _Ahead:
    cancelled: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    prepared: Prepared | None = None
    error: BaseException | None = None

    def run(self, prepare: Callable[[threading.Event], Prepared]) -> None:
        try:
            self.prepared = prepare(self.cancelled)
        except BaseException as exc:  # handed to the publish step, which raises it
            self.error = exc
        if self.cancelled.is_set() and self.prepared is not None:
            self.prepared.discard()  # cancelled after its last table
            self.prepared = None

    def stop(self) -> None:
        self.cancelled.set()
        if self.thread is not None:
            self.thread.join()
        if self.prepared is not None:
            self.prepared.discard()
            self.prepared = None


_AHEAD: dict[tuple[Path, str], _Ahead] = {}
_LOCK = threading.Lock()


def start(
    serving_db: Path, run_id: str, prepare: Callable[[threading.Event], Prepared]
) -> threading.Thread:
    """Run ``prepare`` (given the event that cancels it) for this run's publish, in a thread;
    any other run's prepared publish is cancelled and removed first."""
    cancel(serving_db)
    ahead = _Ahead()
    # a daemon thread: a run that ends without its publish step leaves files, no process
    # (the next publish removes them)
    ahead.thread = threading.Thread(
        target=ahead.run, args=(prepare,), name="publish-ahead", daemon=True
    )
    with _LOCK:
        _AHEAD[(serving_db, run_id)] = ahead
    ahead.thread.start()
    return ahead.thread


def take(serving_db: Path, run_id: str) -> Prepared | None:
    """This run's prepared publish, once whole (waiting for it); None when the run started
    none. The error that stopped it is raised."""
    with _LOCK:
        ahead = _AHEAD.pop((serving_db, run_id), None)
    if ahead is None:
        return None
    assert ahead.thread is not None
    ahead.thread.join()
    if ahead.error is not None:
        raise ahead.error
    if ahead.prepared is None:
        raise Cancelled(f"the publish prepared for run {run_id} was cancelled")
    return ahead.prepared


def cancel(serving_db: Path, run_id: str | None = None) -> None:
    """Stop and remove the prepared publishes of ``serving_db``: ``run_id``'s, or all."""
    with _LOCK:
        keys = [k for k in _AHEAD if k[0] == serving_db and run_id in (None, k[1])]
        dropped = [_AHEAD.pop(k) for k in keys]
    for ahead in dropped:
        ahead.stop()
