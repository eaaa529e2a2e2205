"""Paging cursors kept between runs (Weibo's ``since_id`` per status, Douyin's comment count
and newest comment per video), one JSON file per platform under ``<home>/cursors``:
``{key: {business_date: cursor}}``.

A cursor is stored for the day whose rows it covers, so a run of day D starts after the
cursors of the days before D: a rerun of D fetches D again, never from D's own cursor.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any


class CursorStore:
    def __init__(self, folder: Path, platform: str, keep_days: int):
        self.path = folder / f"{platform}.json"
        self.keep_days = keep_days  # cursors older than this before the newest day are dropped

    def read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def before(self, key: str, day: date) -> int:
        """The highest cursor stored for ``key`` on a day before ``day`` (0: none)."""
        days = self.read().get(key, {})
        return max((v for d, v in days.items() if d < day.isoformat()), default=0)

    def latest_before(self, day: date) -> dict[str, Any]:
        """Each key's cursor of the latest day before ``day`` it has one for."""
        latest = {}
        for key, days in self.read().items():
            earlier = [d for d in days if d < day.isoformat()]
            if earlier:
                latest[key] = days[max(earlier)]
        return latest

    def record(self, day: date, cursors: dict[str, Any]) -> None:
        """Store ``cursors`` (key → cursor) for ``day``, atomically."""
        if not cursors:
            return
        stored = self.read()
        oldest = (day - timedelta(days=self.keep_days)).isoformat()
        for key, cursor in cursors.items():
            stored.setdefault(key, {})[day.isoformat()] = cursor
        stored = {
            k: kept
            for k, days in stored.items()
            if (kept := {d: v for d, v in days.items() if d >= oldest})
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".cursors-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(stored, f, sort_keys=True)
        os.replace(temp, self.path)
