"""What a raw record must hold to be loaded; anything else goes to quarantine with a reason.

Each platform declares a ``RecordSchema`` per entity: the fields that must be present and
the fields that must parse as counts, rates, timestamps or dates. Fields it does not name
are kept as received (a platform's new fields are not errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingestion.values import parse_count, parse_date, parse_rate, parse_timestamp


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
    # personal identifiers (dotted path → "phone" or "email"), hashed before loading
    personal: tuple[tuple[str, str], ...] = ()

    def problems(self, record: dict[str, Any]) -> list[str]:
        """Why the record cannot be loaded; empty when it can."""
        found = [
            f"missing required field {f!r}" for f in self.required if _get(record, f) in (None, "")
        ]
        checks: list[tuple[tuple[str, ...], Callable[[Any], Any]]] = [
            (self.counts, parse_count),
            (self.rates, parse_rate),
            (self.timestamps, parse_timestamp),
            (self.dates, parse_date),
        ]
        for fields, parse in checks:
            for field in fields:
                try:
                    parse(_get(record, field))
                except ValueError as exc:
                    found.append(f"unparseable {field!r}: {exc}")
        return found
