"""The HTTP layer every platform client shares: timeouts, retries, rate limit, concurrency.

Platform modules only describe their envelopes and paths; this module decides how hard to
try. A retry waits ``backoff * 2**attempt`` seconds with full jitter, or the server's
``Retry-After`` when it gives one. A call refused for its token (``AuthError``) is sent once
more with a renewed token when the client has a ``renew`` hook (``ingestion.credentials``);
the old token is then swapped for the new one in every later request of the client.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ingestion.errors import (
    RETRYABLE,
    AuthError,
    BadResponseError,
    PlatformError,
    QuotaExhaustedError,
    RateLimitedError,
    ServerError,
    TransportError,
)

# Never shown in a message or a log line: tokens, app secrets, refresh tokens and codes.
SECRET_PARAMS = {
    "access_token",
    "access-token",
    "token",
    "secret",
    "appsecret",
    "app_secret",
    "client_secret",
    "corpsecret",
    "refresh_token",
    "code",
}
TOKEN_KEYS = ("access_token", "access-token")  # where a request carries its token
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class HttpPolicy:
    """How a client talks to one platform."""

    timeout_seconds: float = 10.0
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    requests_per_second: float = 20.0
    concurrency: int = 4


class RateLimiter:
    """Spaces requests at least ``1/rate`` seconds apart across threads."""

    def __init__(self, requests_per_second: float):
        self._interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


@dataclass
class Page:
    """One response as received, with the request that produced it (never the token)."""

    platform: str
    entity: str
    path: str
    params: dict[str, Any]
    body: Any
    received_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "entity": self.entity,
            "path": self.path,
            "params": self.params,
            "received_at": self.received_at,
            "body": self.body,
        }


class ApiClient:
    """A platform's HTTP client. Subclasses check envelopes in ``check_body``."""

    platform: str = ""
    # The platform's own error codes, by what a client should do about them.
    auth_codes: frozenset[object] = frozenset()
    throttle_codes: frozenset[object] = frozenset()
    quota_codes: frozenset[object] = frozenset()  # exhausted quotas: stop, do not retry
    busy_codes: frozenset[object] = frozenset()

    def __init__(
        self,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.policy = policy or HttpPolicy()
        self._http = httpx.Client(
            base_url=base_url,
            timeout=self.policy.timeout_seconds,
            transport=transport,
            headers={"User-Agent": "socialmart/0.1"},
        )
        self._limiter = RateLimiter(self.policy.requests_per_second)
        self._lock = threading.Lock()
        self._sleep = sleep
        self.requests_sent = 0
        self.retries = 0
        # Given a refused token, the renewed one (None: it cannot be renewed).
        self.renew: Callable[[str], str | None] | None = None
        self._renewed: dict[str, str] = {}  # refused token → its replacement
        # (app id, secret) of a platform that signs each call with its app's; set by the source
        self.app: tuple[str, str] | None = None
        self.clock: Callable[[], float] = time.time  # the signatures' timestamps

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check_body(self, body: Any, request: str) -> None:
        """Raise the matching PlatformError if the envelope reports an error."""

    def raise_for_code(self, code: object, message: str) -> NoReturn:
        """An error code the envelope reported, as the exception that says what to do."""
        if code in self.auth_codes:
            raise AuthError(message, code=code)
        if code in self.quota_codes:
            raise QuotaExhaustedError(message, code=code)
        if code in self.throttle_codes:
            raise RateLimitedError(message, code=code)
        if code in self.busy_codes:
            raise ServerError(message, code=code)
        raise PlatformError(message, code=code)

    def sign(
        self, method: str, path: str, headers: dict[str, str], content: bytes
    ) -> dict[str, str]:
        """The headers to send with one attempt of a request (platforms that sign their
        calls add a fresh nonce and timestamp here, so a retry is never a replay)."""
        return headers

    def encode(self, body: dict[str, Any]) -> bytes:
        """The bytes of a JSON body (a platform that signs its body fixes their form here)."""
        return json.dumps(body, ensure_ascii=False).encode()

    def get_json(self, path: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        """GET with retries; returns the parsed body once the envelope says success."""
        return self._request("GET", path, params, headers)[0]

    def post_json(
        self, path: str, params: dict[str, Any], body: dict[str, Any], headers: dict[str, str]
    ) -> Any:
        """POST a JSON body (read-only query endpoints such as WeChat's datacube)."""
        return self._request("POST", path, params, headers, body)[0]

    def post_json_dated(
        self, path: str, params: dict[str, Any], body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[Any, datetime]:
        """Like ``post_json``, with the server's clock (its Date header) for snapshots."""
        parsed, response_headers = self._request("POST", path, params, headers, body)
        return parsed, _server_time(response_headers, f"{self.platform} POST {path}")

    def post_form(self, path: str, form: dict[str, Any]) -> Any:
        """POST an ``application/x-www-form-urlencoded`` body (OAuth token endpoints)."""
        return self._request("POST", path, {}, {}, form=form)[0]

    def get_json_dated(
        self, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[Any, datetime]:
        """Like ``get_json``, with the server's clock (its Date header) for snapshots."""
        body, response_headers = self._request("GET", path, params, headers)
        return body, _server_time(response_headers, f"{self.platform} GET {path}")

    def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: dict[str, str],
        body: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
    ):
        # Messages name the request but never a token, whichever way the platform takes it.
        shown = sorted((k, "***" if k in SECRET_PARAMS else v) for k, v in params.items())
        request = f"{self.platform} {method} {path} {shown}"
        try:
            return self._attempts(method, path, params, headers, body, form, request)
        except AuthError:
            refused = self._token_of(params, headers)
            renewed = self.renew(refused) if self.renew and refused else None
            if not renewed:
                raise
            with self._lock:
                self._renewed[refused] = renewed
            # once: a renewed token refused again is the platform's final answer
            return self._attempts(method, path, params, headers, body, form, request)

    def _token_of(self, params: dict[str, Any], headers: dict[str, str]) -> str | None:
        for place in (params, headers):
            for key in TOKEN_KEYS:
                if place.get(key):
                    return self._current(str(place[key]))
        return None

    def _current(self, token: str) -> str:
        """The newest renewal of a token (a source may hold on to a refused one)."""
        seen = {token}
        while token in self._renewed and self._renewed[token] not in seen:
            token = self._renewed[token]
            seen.add(token)
        return token

    def _with_current_token(self, place: dict[str, Any]) -> dict[str, Any]:
        if not self._renewed:
            return place
        return {k: self._current(v) if k in TOKEN_KEYS else v for k, v in place.items()}

    def _attempts(self, method, path, params, headers, body, form, request: str):
        last: Exception | None = None
        for attempt in range(self.policy.max_attempts):
            try:
                return self._send(method, path, params, headers, body, form, request)
            except RETRYABLE as exc:
                last = exc
                if attempt + 1 == self.policy.max_attempts:
                    break
                self.retries += 1
                self._sleep(self._delay(attempt, exc))
        assert last is not None
        raise last

    def _delay(self, attempt: int, exc: Exception) -> float:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.policy.max_backoff_seconds)
        cap = min(self.policy.backoff_seconds * 2**attempt, self.policy.max_backoff_seconds)
        return random.uniform(0, cap)

    def _send(self, method, path, params, headers, body, form, request: str):
        self._limiter.wait()
        self.requests_sent += 1
        params = self._with_current_token(params)
        headers = self._with_current_token(dict(headers))
        if form is not None:
            content = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            content = b"" if body is None else self.encode(body)
        headers = self.sign(method, path, headers, content)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            response = self._http.request(
                method, path, params=params, headers=headers, content=content or None
            )
        except httpx.TimeoutException as exc:
            raise TransportError(f"{request}: timed out ({exc.__class__.__name__})") from exc
        except httpx.TransportError as exc:
            raise TransportError(f"{request}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code == 429:
            raise RateLimitedError(
                f"{request}: HTTP 429",
                code=429,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            raise ServerError(f"{request}: HTTP {response.status_code}", code=response.status_code)
        if response.status_code >= 400:
            # 4xx bodies usually carry the platform's own error envelope: let it speak first.
            body = _parse(response, request)
            self.check_body(body, request)
            status = response.status_code
            raise PlatformError(f"{request}: HTTP {status}", code=status)
        body = _parse(response, request)
        self.check_body(body, request)
        return body, response.headers

    def map_concurrently(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Apply ``fn`` to every item with at most ``policy.concurrency`` requests in flight."""
        items = list(items)
        if self.policy.concurrency <= 1 or len(items) <= 1:
            yield from map(fn, items)
            return
        with ThreadPoolExecutor(max_workers=self.policy.concurrency) as pool:
            yield from pool.map(fn, items)


def _server_time(headers: httpx.Headers, request: str) -> datetime:
    value = headers.get("Date")
    if not value:
        raise BadResponseError(f"{request}: no Date header; cannot date the snapshot")
    return parsedate_to_datetime(value)


def _parse(response: httpx.Response, request: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError as exc:
        snippet = response.content[:80]
        raise BadResponseError(f"{request}: body is not JSON ({exc}); starts {snippet!r}") from exc


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def redact_url(url: object) -> str:
    """A URL with the values of its secret query parameters replaced by ``***``."""
    parts = urlsplit(str(url))
    query = [(k, "***" if k in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


class _RedactUrls(logging.Filter):
    """httpx logs every request's URL at INFO; WeChat, WeCom, Kuaishou and Weibo carry the
    token (and token endpoints the app secret) in the query, which must never be logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(a) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


if not any(isinstance(f, _RedactUrls) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_RedactUrls())
