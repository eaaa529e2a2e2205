"""The exceptions ingestion raises, one per kind of failure.

    IngestionError                 base of everything below
    ├── ConfigError                a setting is missing or wrong (token, base URL, accounts file)
    │   └── ProblemsError          several at once, each naming its file and row, or its setting
    │       ├── AccountsError      accounts.csv cannot be read as it is
    │       └── PreflightError     the preflight found accounts, credentials or settings to fix
    │   └── CredentialError        a token cannot be renewed: authorise the account again
    ├── TransportError             the request never got an answer (connect error, timeout)
    ├── PlatformError              the platform answered, but not with data
    │   ├── RateLimitedError       HTTP 429 or the platform's own throttling code
    │   ├── QuotaExhaustedError    a quota that a back-off cannot wait out (hourly/daily):
    │   │                          the platform's run stops and resumes on the next run
    │   ├── ServerError            HTTP 5xx or the platform's "system busy" code
    │   └── AuthError              the token was refused
    ├── BadResponseError           a body that is not the platform's shape (truncated JSON, …)
    ├── ExportFileError            an export file that cannot be read (names file and row)
    └── DayUnavailableError        the platform no longer serves that day: replay from landing
        └── DayNotReadyError       the platform has not finished that day yet: raw is kept

Transport, rate-limit, server and bad-response errors are retried; the others are not
(a quota that is exhausted is not retried: waiting 30 s cannot outlast an hourly window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class IngestionError(Exception):
    """Base of every ingestion failure."""


class ConfigError(IngestionError):
    """A setting the user controls is missing or invalid."""


@dataclass(frozen=True)
class Problem:
    """One thing to fix in the configuration, and where: a file's row and column, or a
    setting (``field`` alone, an environment variable)."""

    message: str
    file: Path | None = None
    row: int | None = None  # the file's line, the header being row 1
    field: str | None = None  # a column of ``file``, or an environment variable

    @property
    def where(self) -> str:
        place = str(self.file) if self.file else ""
        if self.row is not None:
            place = f"{place} row {self.row}".strip()
        if self.field:
            place = f"{place}, {self.field}" if place else self.field
        return place

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ProblemsError(ConfigError):
    """Every problem found, not only the first: the message lists them one per line."""

    title = "problems in the configuration"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} {self.title}:\n{lines}")


class AccountsError(ProblemsError):
    """The account registry has rows (or a header) that cannot be used as they are."""

    title = "problem(s) in the account registry"


class PreflightError(ProblemsError):
    """The preflight found accounts, credentials or settings to fix before anything runs."""

    title = "configuration problem(s) found by the preflight; nothing was fetched"


class CredentialError(ConfigError):
    """The platform will not renew the token (refresh token expired, rotated or revoked;
    wrong app secret): a person must authorise the account again or fix the secret."""


class TransportError(IngestionError):
    """No usable answer came back (connection refused, reset, timed out)."""


class PlatformError(IngestionError):
    """The platform answered with an error instead of data."""

    def __init__(self, message: str, *, code: object = None, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class RateLimitedError(PlatformError):
    """HTTP 429, or the platform's throttling error code."""


class QuotaExhaustedError(PlatformError):
    """The platform's call quota (per user, app or IP, per hour or day) is used up: stop the
    platform's run with this message and resume on the next run, never retry in a loop."""


class ServerError(PlatformError):
    """HTTP 5xx, or the platform's transient 'system busy' code."""


class AuthError(PlatformError):
    """The access token was refused or has expired."""


class BadResponseError(IngestionError):
    """The body did not parse or did not have the platform's envelope."""


class ExportFileError(IngestionError):
    """An export file that cannot be read; the message names the file and row."""


RETRYABLE = (TransportError, RateLimitedError, ServerError, BadResponseError)


class DayUnavailableError(IngestionError):
    """The platform no longer serves that day (snapshot-only, or past its look-back window);
    only its landing files can replay it."""


class DayNotReadyError(DayUnavailableError):
    """The platform answers for the day but has not finished it (e.g. WeChat's datacube
    before 08:00 of the next day): an empty answer then is "not ready", never zero."""
