"""Reading platform values as received: counts, rates, durations, times and dates.

The one definition of the value forms. API records are checked with it (staging converts
them with the dbt macros in ``dbt_project/macros/parsing.sql``, held to the same cases by
``tests/unit/test_values.py``); export-file records are typed with it at load
(``RecordSchema.typed``), so dbt reads their values already typed and needs no copy of the
export forms (docs/sources/exports.md: `2026年11月18日20时15分03秒`, `14.73秒`, `--` ...).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# "10万+" is the platform's capped display of a count above 100000: it reads as that lower
# bound (the landed page keeps the "+" as reported).
_ABBREVIATED = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|W|亿|k|K)\+?$")
_UNITS = {"万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000, "k": 1_000, "K": 1_000}
MISSING = ("", "-", "--", "null")  # not reported (null, never 0)
# 2026年11月18日20时15分03秒, 2026年1月2日, 2026年11月19日 12:00, 2026/11/20, 2026-11-20 08:00:00
_CALENDAR = re.compile(
    r"^(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[时点:](?:\s*(\d{1,2})\s*[分:]?(?:\s*(\d{1,2})\s*秒?)?)?)?$"
)
# 21s, 35.2秒, 14.73 秒; 00:41 (m:s), 1:02:03 (h:m:s)
_SECONDS = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:s|秒)$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")
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
        return round(_number(text))
    except ValueError:
        return _fail(value, "count")


def parse_rate(value: Any) -> float | None:
    """A fraction from "35.2%" or 0.352, or another decimal ("1,234.56"); None if absent."""
    if value is None or isinstance(value, bool):
        return None if value is None else _fail(value, "rate")
    text = str(value).strip()
    if text in MISSING:
        return None
    try:
        return _number(text[:-1]) / 100 if text.endswith("%") else _number(text)
    except ValueError:
        return _fail(value, "rate")


def parse_duration(value: Any) -> float | None:
    """Seconds from 21, "21s", "35.2秒", "00:41" (minutes:seconds) or "1:02:03"."""
    if value is None or isinstance(value, bool):
        return None if value is None else _fail(value, "duration")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text in MISSING:
        return None
    seconds = _SECONDS.match(text)
    if seconds:
        return float(seconds.group(1))
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, secs = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    try:
        return _number(text)
    except ValueError:
        return _fail(value, "duration")


def _number(text: str) -> float:
    """A plain decimal; "," only as a thousands separator ("1,234.56", never "1,2")."""
    if "," in text and not re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        raise ValueError(text)
    return float(text.replace(",", ""))


def _calendar(text: str) -> datetime | None:
    """The creator centres' calendar forms as a Beijing wall-clock time; None if not one."""
    match = _CALENDAR.match(text)
    if not match:
        return None
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        return datetime(*parts)
    except ValueError:
        return None


def parse_timestamp(value: Any) -> datetime | None:
    """Unix seconds or milliseconds, ISO 8601, RFC 2822 or Weibo's created_at form."""
    if value is None or (isinstance(value, str) and value.strip() in MISSING):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    text = str(value).strip()
    calendar = _calendar(text)  # wall-clock forms, naive like the file's own cells
    if calendar is not None:
        return calendar
    try:
        return datetime.fromisoformat(text)  # ISO 8601 with an offset
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
    calendar = _calendar(str(value).strip())
    if calendar is not None:
        return calendar.date()
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return _fail(value, "date")


def _fail(value: Any, kind: str):
    raise ValueError(f"{value!r} is not a {kind}")
