"""Checking platform values as received: can this count, rate or time be read at all?

Ingestion uses these to quarantine records staging could not type; staging converts with
the dbt macros in ``dbt_project/macros/parsing.sql``, and ``tests/unit/test_values.py`` holds
both to the same table of cases.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

_ABBREVIATED = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|W|亿)$")
_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}
MISSING = ("", "-", "null")
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"  # Weibo's created_at: "Thu Nov 20 16:00:00 +0800 2025"


def parse_count(value: Any) -> int | None:
    """An integer count from 123, "123", "1,234", "1.2万", "20.0w", "1.5亿"; None if absent."""
    if value is None or isinstance(value, bool):
        return None if value is None else _fail(value, "count")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value)
    text = str(value).strip()
    if text in MISSING:
        return None
    match = _ABBREVIATED.match(text)
    if match:
        return round(float(match.group(1)) * _UNITS[match.group(2)])
    try:
        return round(float(text.replace(",", "")))
    except ValueError:
        return _fail(value, "count")


def parse_rate(value: Any) -> float | None:
    """A fraction from "35.2%" or 0.352; None if absent."""
    if value is None:
        return None
    text = str(value).strip()
    if text in MISSING:
        return None
    try:
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return _fail(value, "rate")


def parse_timestamp(value: Any) -> datetime | None:
    """Unix seconds or milliseconds, ISO 8601, RFC 2822 or Weibo's created_at form."""
    if value is None or (isinstance(value, str) and value.strip() in MISSING):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    text = str(value).strip()
    try:
        # ISO 8601, and the creator centres' "2026/11/20 08:00" with slashes
        return datetime.fromisoformat(text.replace("/", "-") if text[:4].isdigit() else text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.strptime(text, WEIBO_TIME)
    except ValueError:
        return _fail(value, "timestamp")


def parse_date(value: Any) -> date | None:
    if value is None or str(value).strip() in MISSING:
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return _fail(value, "date")


def _fail(value: Any, kind: str):
    raise ValueError(f"{value!r} is not a {kind}")
