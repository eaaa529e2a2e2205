"""The one interface every platform implements, API or export file alike.

A source ``fetch``es the pages of one business day for the accounts it is given (what
gets landed as received) and ``extract``s raw records of that day from a landed page (what
gets loaded into DuckDB). Loading always goes through landed pages, so a day can be
replayed from landing without asking the platform again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import httpx

from ingestion.accounts import Account
from ingestion.credentials import Auth, Credentials, CredentialStore, authorise_command
from ingestion.errors import (
    AuthError,
    CredentialError,
    DayUnavailableError,
    QuotaExhaustedError,
)
from ingestion.http import ApiClient, HttpPolicy, Page
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI, Paths


class Source(Protocol):
    platform: str
    entities: tuple[str, ...]
    snapshot_only: bool  # True when the platform serves only "now" (no past days)
    schemas: dict[str, RecordSchema]  # what each entity's records must hold to load

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]: ...

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class ApiSource:
    """What every API platform's source shares: its client, its tokens, closing.

    ``auth`` says how the platform's tokens are obtained and renewed (``ingestion.credentials``);
    None: only a static token from the environment. The home's credential store is
    ``paths``' (default: the environment's home).
    """

    platform: str
    client_class: type[ApiClient]
    schemas: dict[str, RecordSchema]
    entities: tuple[str, ...] = ()
    snapshot_only = False
    auth: Auth | None = None
    # When (Beijing time) the platform has finished the day before: None when it is done by
    # the 03:00 schedule; later ones get a run of their own then (orchestration/schedules.py)
    ready_at: time | None = None
    # The variables of the app id and secret a platform signs every call with (None: unsigned)
    app_settings: tuple[str, str] | None = None
    # How many days before its day the platform may still revise: a daily run fetches them
    # again (orchestration/partitions.py run_start). 0 where only *now* is served.
    lookback_days = 0
    # the field naming the account in every record (a left-out account's day stays in raw)
    account_field = "account_id"
    # what the platform's quota code means, for the message that stops it for the run
    quota_note = "call quota exhausted"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.entities = tuple(cls.schemas)  # one raw table per declared record schema

    def __init__(
        self,
        base_url: str,
        environ: Mapping[str, str],
        *,
        policy: HttpPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        paths: Paths | None = None,
    ):
        self.client = self.client_class(base_url, policy=policy, transport=transport)
        self.environ = environ
        self.paths = paths or Paths.from_env(dict(environ))
        store = CredentialStore(self.paths.credentials)
        self.token_client = self.oauth_client(policy, transport) or self.client
        self.credentials = Credentials(self.platform, self.auth, store, environ, self.token_client)
        self.client.renew = self.credentials.renew
        self.refused: list[str] = []  # accounts whose token was refused even once renewed
        self.skip_reasons: list[str] = []  # what the last fetch left out, and why
        self.kept_accounts: set[str] = set()  # accounts whose loaded day raw keeps
        self.fetched_cursors: dict[str, Any] = {}  # "<account>/<item>" → where paging stopped
        if self.app_settings:
            app = tuple((environ.get(name) or "").strip() for name in self.app_settings)
            self.client.app = (app[0], app[1]) if all(app) else None

    def oauth_client(
        self, policy: HttpPolicy | None, transport: httpx.BaseTransport | None
    ) -> ApiClient | None:
        """A client for a token host apart from the API's (None: the API's host)."""
        return None

    def token(self, account: Account) -> str:
        return self.credentials.token(account)

    def each_account(
        self,
        day: date,
        accounts: list[Account],
        fetch_account: Callable[[date, Account], Iterator[Page]],
    ) -> Iterator[Page]:
        """Every account's pages, an account's landing only once it is fetched whole, so
        one account's failure never costs another's data of the run. A token refused even
        after renewal leaves that account out (``refused``: the run fails once the others
        have loaded, as only a person can authorise it again); a quota code stops the
        platform for the run (the next run resumes). Either way the accounts left out keep
        the day raw already holds (``kept_accounts``)."""
        self.refused, self.kept_accounts, self.skip_reasons = [], set(), []
        for n, account in enumerate(accounts):
            try:
                pages = list(fetch_account(day, account))
            except CredentialError as exc:  # its grant cannot be renewed: says what to do
                self._leave_out([account])
                self.refused.append(f"{exc}; its day keeps what raw has")
                continue
            except AuthError as exc:  # the token was refused, renewed, and refused again
                self._leave_out([account])
                self.refused.append(
                    f"{self.platform} account {account.account_id}: refused even with a "
                    f"renewed token ({exc}); its day keeps what raw has; check the app's id "
                    "and secret, or authorise the account again: "
                    + authorise_command(
                        self.platform, account.account_id, self.credentials.needs_code
                    )
                )
                continue
            except QuotaExhaustedError as exc:
                left = accounts[n:]
                self._leave_out(left)
                self.skip_reasons.append(
                    f"{self.platform} account {account.account_id}: {self.quota_note} "
                    f"({exc.code}); {self.platform} stops for this run and the next run "
                    f"resumes; {len(left)} account(s) keep what raw has: "
                    f"{', '.join(a.account_id for a in left)}. {exc}"
                )
                return
            yield from pages

    def _leave_out(self, accounts: list[Account]) -> None:
        """Accounts whose pages are not landed: raw keeps their day, their cursors stay."""
        for account in accounts:
            self.kept_accounts.add(account.account_id)
            prefix = f"{account.account_id}/"
            for key in [k for k in self.fetched_cursors if k.startswith(prefix)]:
                del self.fetched_cursors[key]

    def close(self) -> None:
        if self.token_client is not self.client:
            self.token_client.close()
        self.client.close()


def snapshot_day(served_at: datetime) -> date:
    """The business day a snapshot of "now" closes: a morning run describes yesterday."""
    return served_at.astimezone(SHANGHAI).date() - timedelta(days=1)


def require_snapshot_of(platform: str, served_at: datetime, day: date) -> None:
    served = snapshot_day(served_at)
    if served != day:
        raise DayUnavailableError(
            f"{platform} serves snapshots of {served} now; {day} can only be replayed from "
            "landing files"
        )
