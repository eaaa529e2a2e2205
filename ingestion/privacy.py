"""Personal identifiers never reach DuckDB in clear (PIPL; SPEC R-X1).

Phone numbers and emails are normalised and replaced by a salted HMAC-SHA256 with the key
in ``SOCIALMART_HASH_KEY``, at the step that loads raw, so the same phone hashes to the same
value on every platform (it can still link a person) and cannot be read back.
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


def pseudonymise(value: Any, kind: str, key: bytes) -> str | None:
    """The HMAC of a normalised phone or email; None for an empty value."""
    if value is None or str(value).strip() == "":
        return None
    text = normalise_phone(str(value)) if kind == "phone" else normalise_email(str(value))
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
