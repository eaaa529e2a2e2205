"""A platform's calls per clock hour, counted across runs: one ledger per home.

A quota the platform counts per hour (Weibo: per authorised user per app, and per app from
one IP) is spent by every run of the home alike: the schedule, a backfill, a rerun by hand.
So the calls are counted in ``<home>/quota/<platform>.json`` for the current clock hour
(Beijing time), ``{"hour", "calls": {account: n}, "total", "stopped": {account: cause}}``:
a new hour starts from zero. ``take`` counts one call under an exclusive file lock, so
two runs at once never overspend; ``stop`` marks an account (or ``ALL``) spent for the rest
of the hour when the platform says its limit is reached, so no run of that hour asks again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ingestion.settings import SHANGHAI

ALL = "*"  # ``stop``: every account (an app-wide limit)


@dataclass
class Hour:
    """What the ledger holds for one clock hour."""

    hour: str
    calls: dict[str, int] = field(default_factory=dict)
    total: int = 0
    stopped: dict[str, str] = field(default_factory=dict)

    def stopped_for(self, account_id: str) -> str | None:
        return self.stopped.get(account_id) or self.stopped.get(ALL)


class HourLedger:
    def __init__(self, folder: Path, platform: str, clock: Callable[[], float] = time.time):
        self.folder, self.clock = folder, clock
        self.path = folder / f"{platform}.json"

    def hour(self) -> str:
        return datetime.fromtimestamp(self.clock(), SHANGHAI).strftime("%Y-%m-%dT%H")

    def resumes_at(self) -> str:
        """When the next clock hour starts, as a person reads it."""
        now = datetime.fromtimestamp(self.clock(), SHANGHAI)
        start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        return f"{start:%Y-%m-%d %H:%M} Beijing time"

    def read(self) -> Hour:
        try:
            held = Hour(**json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            held = None
        current = self.hour()
        return held if held is not None and held.hour == current else Hour(current)

    def take(self, account_id: str, per_account: int, total: int) -> bool:
        """Count one call of ``account_id``; False (nothing counted) when the account's or
        the app's calls of the hour are spent, or the hour was stopped for it."""
        with self._locked() as held:
            if (
                held.stopped_for(account_id)
                or held.calls.get(account_id, 0) >= per_account
                or held.total >= total
            ):
                return False
            held.calls[account_id] = held.calls.get(account_id, 0) + 1
            held.total += 1
            return True

    def stop(self, account_id: str, cause: str) -> None:
        """No more calls for ``account_id`` (``ALL``: any account) until the next hour."""
        with self._locked() as held:
            held.stopped[account_id] = cause

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Hour]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                held = self.read()
                yield held
                fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".quota-", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(held.__dict__, f, sort_keys=True)
                os.replace(temp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
