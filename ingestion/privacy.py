"""Personal identifiers never reach DuckDB in clear (PIPL; docs/requirements.md R-X1).

Phone numbers and emails are normalised and replaced by a salted HMAC-SHA256 with the key
in ``SOCIALMART_HASH_KEY``, at the step that loads raw, so the same phone hashes to the same
value on every platform (it can still link a person) and cannot be read back.

Placeholder values that shops and forms fill in when the real number is unknown (all one
digit, 12345678901, 13800138000, "test@test.com") belong to nobody: they become a marker
such as ``placeholder:phone:test-number`` (no digits, so no column looks like a phone), which
the identity graph lists and excludes (docs/requirements.md R-U3) instead of linking every
buyer who typed one into one person.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from ingestion.errors import ConfigError

KEY_VARIABLE = "SOCIALMART_HASH_KEY"
_NOT_DIGITS = re.compile(r"\D")
_ONE_DIGIT = re.compile(r"^(\d)\1*$")
PLACEHOLDER_PHONES = frozenset({"12345678901", "13800138000", "13800000000", "19999999999"})
PLACEHOLDER_EMAILS = frozenset({"test@test.com", "a@a.com", "none@none.com", "null@null.com"})


def hash_key(environ: Mapping[str, str]) -> bytes:
    key = environ.get(KEY_VARIABLE, "")
    if len(key) < 16:
        raise ConfigError(
            f"{KEY_VARIABLE} must hold a secret of at least 16 characters: "
            "phone numbers and emails are hashed with it before loading"
        )
    return key.encode()


def normalise_phone(value: str) -> str:
    """Mainland mobile numbers: digits only, +86 / 86 / 0086 country code removed."""
    digits = _NOT_DIGITS.sub("", value)
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


def normalise_email(value: str) -> str:
    return value.strip().lower()


def placeholder_kind(text: str, kind: str) -> str | None:
    """Why a normalised phone or email stands for "unknown", not a person; else None."""
    if kind == "phone":
        if not text:
            return "no-digits"
        if _ONE_DIGIT.match(text):
            return "repeated-digit"
        return "test-number" if text in PLACEHOLDER_PHONES else None
    if "@" not in text:
        return "malformed"
    return "test-address" if text in PLACEHOLDER_EMAILS else None


def pseudonymise(value: Any, kind: str, key: bytes) -> str | None:
    """The HMAC of a normalised phone or email; None for an empty value."""
    if value is None or str(value).strip() == "":
        return None
    text = normalise_phone(str(value)) if kind == "phone" else normalise_email(str(value))
    placeholder = placeholder_kind(text, kind)
    if placeholder:
        return f"placeholder:{kind}:{placeholder}"
    return hmac.new(key, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest()


def _hash_at(record: Any, parts: list[str], kind: str, key: bytes) -> None:
    if not isinstance(record, dict):
        return
    head, rest = parts[0], parts[1:]
    if rest:
        child = record.get(head)
        for item in child if isinstance(child, list) else [child]:
            _hash_at(item, rest, kind, key)
        return
    if head not in record:
        return
    value = record.pop(head)
    if isinstance(value, list):
        record[f"{head}_hash"] = [pseudonymise(v, kind, key) for v in value]
    else:
        record[f"{head}_hash"] = pseudonymise(value, kind, key)


def pseudonymise_record(record: dict[str, Any], fields: Mapping[str, str], key: bytes) -> None:
    """Replace each personal field (dotted path → "phone" or "email") by ``<field>_hash``."""
    for path, kind in fields.items():
        _hash_at(record, path.split("."), kind, key)
