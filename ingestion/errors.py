"""The exceptions ingestion raises, one per kind of failure.

    IngestionError                 base of everything below
    ├── ConfigError                a setting is missing or wrong (token, base URL, accounts file)
    ├── TransportError             the request never got an answer (connect error, timeout)
    ├── PlatformError              the platform answered, but not with data
    │   ├── RateLimitedError       HTTP 429 or the platform's own throttling code
    │   ├── ServerError            HTTP 5xx or the platform's "system busy" code
    │   └── AuthError              the token was refused
    ├── BadResponseError           a body that is not the platform's shape (truncated JSON, …)
    ├── ExportFileError            an export file that cannot be read (names file and row)
    └── DayUnavailableError        the platform no longer serves that day: replay from landing

Transport, rate-limit, server and bad-response errors are retried; the others are not.
"""

from __future__ import annotations


class IngestionError(Exception):
    """Base of every ingestion failure."""


class ConfigError(IngestionError):
    """A setting the user controls is missing or invalid."""


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
