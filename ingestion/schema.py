"""What a raw record must hold to be loaded; anything else goes to quarantine with a reason.

Each platform declares a ``RecordSchema`` per entity: the fields that must be present and
the fields that must parse as counts, rates, timestamps or dates. Fields it does not name
are kept as received (a platform's new fields are not errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ingestion.values import (
    parse_count,
    parse_date,
    parse_duration,
    parse_rate,
    parse_timestamp,
)


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class RecordSchema:
    required: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()  # fractions ("35.2%", 0.352) and other decimals
    timestamps: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    durations: tuple[str, ...] = ()  # seconds: "21s", "35.2秒", "00:41", 19
    # personal identifiers (dotted path → "phone" or "email"), hashed before loading
    personal: tuple[tuple[str, str], ...] = ()

    def problems(self, record: dict[str, Any]) -> list[str]:
        """Why the record cannot be loaded; empty when it can."""
        return [problem for _, problem in self.field_problems(record)]

    def field_problems(self, record: dict[str, Any]) -> list[tuple[str, str]]:
        """``problems`` with the field each is about, for readers that can say where the
        field's value came from (a workbook's sheet)."""
        found = [
            (f, f"missing required field {f!r}")
            for f in self.required
            if _get(record, f) in (None, "")
        ]
        for field, parse in self._parsers():
            try:
                parse(_get(record, field))
            except ValueError as exc:
                found.append((field, f"unparseable {field!r}: {exc}"))
        return found

    def typed(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with each declared top-level field in its one typed form (counts as
        int, rates and durations as float, times and dates as ISO text); a value that does
        not parse stays as received, for ``problems`` to name."""
        out = dict(record)
        for field, parse in self._parsers():
            if field not in out:
                continue
            try:
                value = parse(out[field])
            except ValueError:
                continue
            if isinstance(value, datetime):
                value = value.isoformat(sep=" ")
            elif isinstance(value, date):
                value = value.isoformat()
            out[field] = value
        return out

    def _parsers(self) -> list[tuple[str, Callable[[Any], Any]]]:
        checks: list[tuple[tuple[str, ...], Callable[[Any], Any]]] = [
            (self.counts, parse_count),
            (self.rates, parse_rate),
            (self.timestamps, parse_timestamp),
            (self.dates, parse_date),
            (self.durations, parse_duration),
        ]
        return [(field, parse) for fields, parse in checks for field in fields]
