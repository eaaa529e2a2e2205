"""Credentials that renew themselves: the one way a client gets an account's token.

Two kinds of platform (docs/requirements.md R-X2; issue 16 item 1):

- **App credentials** (``ClientCredential``: WeChat OA, WeCom): the token is fetched from
  the app's id and secret, lives ``expires_in`` seconds (7,200), and re-fetching it
  invalidates the previous one, so one token per app is kept in the store and shared by
  every run until ``RENEW_MARGIN_SECONDS`` before it expires.
- **OAuth** (``OAuth``: Douyin, Kuaishou, Bilibili, the 抖店 shop): an account is
  authorised once (``authorise``: the code of the platform's consent page, or for a
  self-built 抖店 app its own shop id, is exchanged for a grant); the access token is then
  refreshed with the refresh token, which may rotate, so each new pair is written to the
  store before it is used. When a refresh token is ``due`` (within ``ALERT_DAYS`` of its
  expiry; or, of unpublished lifetime, unrefreshed for ``UNPUBLISHED_CHECK_DAYS``) the
  daily check renews it where the platform can (``extend``), and otherwise ``expiring``
  says so and the robot is told (``serving/credential_alerts.py``) days before the
  schedule breaks.

A token refused mid-run (the platform's invalid/expired codes, ``AuthError``) is renewed
once and the call sent again (``ApiClient.renew`` → ``Credentials.renew``). A static token
from the environment (``SOCIALMART_<P>_TOKEN[_<ACCOUNT>]``) still works where no app
credentials or stored grant exist (the demo), but cannot be renewed.

The store is one JSON file per home, ``<home>/credentials/tokens.json``: owner-only
(0600, its folder 0700), replaced atomically (temp file, fsync, rename, fsync of the
folder), and read-modify-written under an exclusive file lock, so concurrent runs never
use a rotated refresh token twice. Tokens never reach logs, landing files or DuckDB.

``python -m ingestion.credentials authorise <platform> <account_id> [--code …]`` stores an
account's grant; ``… status`` lists every account's credential state, never a secret.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingestion.accounts import Account, setting_names, token_for
from ingestion.errors import ConfigError, CredentialError, IngestionError, PlatformError
from ingestion.settings import SHANGHAI, Paths

if TYPE_CHECKING:
    from ingestion.http import ApiClient

RENEW_MARGIN_SECONDS = 300  # renew this long before expiry (WeChat keeps old tokens 5 min)
ALERT_DAYS = 7  # warn this many days before a refresh token expires
# A refresh token of unpublished lifetime (Bilibili) is refreshed by the daily check when
# its grant was last refreshed this long ago, and the robot told when that fails (our choice)
UNPUBLISHED_CHECK_DAYS = 14
STORE_FILE = "tokens.json"
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Grant:
    """What a token endpoint answered, with expiries as Unix seconds."""

    access_token: str
    expires_at: float
    refresh_token: str = ""
    refresh_expires_at: float | None = None  # None: the platform does not say
    open_id: str = ""
    obtained_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class App:
    """An app's id and secret, as the platform's console shows them."""

    app_id: str
    secret: str
    redirect_uri: str = ""  # the consent page's registered callback, where one is sent (Weibo)


@contextlib.contextmanager
def refusals(codes: Collection[object], what: str) -> Iterator[None]:
    """A platform error with one of ``codes`` becomes ``CredentialError``: no retry or
    renewal helps, a person must authorise again or fix the app's secret."""
    try:
        yield
    except PlatformError as exc:
        if exc.code in codes:
            raise CredentialError(f"{what}: {exc}") from exc
        raise


def seconds(value: object) -> float:
    """A lifetime the platform gives as a number or a numeric string."""
    return float(str(value))


# A platform's token calls; each platform module cites the shapes it implements.
FetchToken = Callable[["ApiClient", App], Grant]


@dataclass(frozen=True)
class ClientCredential:
    id_setting: str  # e.g. SOCIALMART_WECHAT_OA_APPID (per account: …_<ACCOUNT>)
    secret_setting: str
    fetch: FetchToken


@dataclass(frozen=True)
class OAuth:
    """A platform's OAuth token calls, as its module describes them (with their sources):
    the code exchange and the refresh, their parameters, and where the answer keeps the
    grant's fields. ``refused``: codes that need a person (code or refresh token expired,
    wrong app secret)."""

    id_setting: str
    secret_setting: str
    token_path: str
    refresh_path: str
    id_param: str  # the app id's parameter name: client_key, app_id, client_id
    secret_param: str
    refused: frozenset[object]
    form: bool = True  # a POST form (else a GET query)
    envelope: str = ""  # the key the fields are under ("": the top level)
    refresh_takes_secret: bool = True
    refresh_lifetime: str = ""  # the refresh token's lifetime field ("": not published)
    absolute_expiry: bool = False  # ``expires_in`` is a Unix second, not a lifetime
    # extends the refresh token itself (Douyin): client id + refresh token → a new refresh
    # token and its lifetime (``expires_in``)
    renew_refresh_path: str = ""
    # a refresh issues a refresh token of a new lifetime (抖店), so the daily check refreshes
    # a grant whose refresh token is due instead of telling the robot
    refresh_renews: bool = False
    # the app's own account is authorised without a consent code (抖店 authorization_self)
    self_grant: bool = False
    # Weibo: the grant has no refresh token (``refresh_path`` ""), the code is exchanged with
    # the consent page's ``redirect_uri`` (this setting), the answer names the account in
    # ``uid``, and the token-info call states the token's remaining lifetime (``expire_in``)
    redirect_setting: str = ""
    account_field: str = "open_id"
    info_path: str = ""

    def exchange(self, client: ApiClient, app: App, code: str, account_id: str) -> Grant:
        params = {self.id_param: app.app_id, self.secret_param: app.secret}
        params |= {"code": code, "grant_type": "authorization_code"}
        if app.redirect_uri:
            params["redirect_uri"] = app.redirect_uri
        return self._call(client, self.token_path, params, "the authorisation code")

    def with_lifetime(self, client: ApiClient, grant: Grant) -> Grant:
        """The grant with the expiry the platform's token-info call states."""
        now = time.time()
        params = {"access_token": grant.access_token}
        data = self._answer(client, self.info_path, params, "the token's info")
        return replace(grant, expires_at=now + seconds(data["expire_in"]))

    def refresh(self, client: ApiClient, app: App, grant: Grant) -> Grant:
        params = {self.id_param: app.app_id}
        if self.refresh_takes_secret:
            params[self.secret_param] = app.secret
        params |= {"refresh_token": grant.refresh_token, "grant_type": "refresh_token"}
        return self._call(client, self.refresh_path, params, "the refresh token")

    def renew_refresh(self, client: ApiClient, app: App, grant: Grant) -> Grant:
        """The grant with a new refresh token of a new lifetime (where the platform can)."""
        params = {self.id_param: app.app_id, "refresh_token": grant.refresh_token}
        now = time.time()
        data = self._answer(client, self.renew_refresh_path, params, "to renew the refresh token")
        lifetime = now + seconds(data["expires_in"])
        return replace(grant, refresh_token=data["refresh_token"], refresh_expires_at=lifetime)

    def _answer(
        self, client: ApiClient, path: str, params: dict[str, str], what: str
    ) -> dict[str, Any]:
        with refusals(self.refused, f"{client.platform} refused {what}"):
            if self.form:
                body = client.post_form(path, params)
            else:
                body = client.get_json(path, params, {})
        return body[self.envelope] if self.envelope else body

    def _call(self, client: ApiClient, path: str, params: dict[str, str], what: str) -> Grant:
        now = time.time()
        data = self._answer(client, path, params, what)
        expires = seconds(data["expires_in"])
        # an absolute expiry below 10⁹ can only be a lifetime (docs/platforms.md assumptions)
        expires_at = expires if self.absolute_expiry and expires > 1e9 else now + expires
        refresh_in = data.get(self.refresh_lifetime) if self.refresh_lifetime else None
        return Grant(
            data["access_token"],
            expires_at,
            data.get("refresh_token", ""),
            None if refresh_in is None else now + seconds(refresh_in),
            str(data.get(self.account_field) or ""),
            now,
        )


Auth = ClientCredential | OAuth


class CredentialStore:
    """The home's tokens: ``{key: grant}`` in one owner-only JSON file."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / STORE_FILE
        self._threads = threading.Lock()  # flock is per open file, not per thread

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, Grant]]:
        """The grants, exclusively: changes made to the dict are written back atomically."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.folder, 0o700)
        with self._threads, open(self.folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                grants = self.read()
                before = dict(grants)
                yield grants
                if grants != before:
                    self._write(grants)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read(self) -> dict[str, Grant]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            raise ConfigError(
                f"{self.path} is not JSON ({exc}): restore it or delete it and "
                "authorise the accounts again"
            ) from exc
        return {key: Grant(**value) for key, value in raw.items()}

    def _write(self, grants: dict[str, Grant]) -> None:
        text = json.dumps({k: asdict(g) for k, g in sorted(grants.items())}, indent=1)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tokens-", suffix=".tmp")
        try:  # mkstemp creates the file 0600
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)


def grant_key(platform: str, account_id: str) -> str:
    return f"{platform}/account/{account_id}"


def app_key(platform: str, app_id: str) -> str:
    return f"{platform}/app/{app_id}"


class Credentials:
    """One platform's tokens for a run: from the store, renewed when due or refused."""

    def __init__(
        self,
        platform: str,
        auth: Auth | None,
        store: CredentialStore,
        environ: Mapping[str, str],
        client: ApiClient,
        clock: Callable[[], float] = time.time,
    ):
        self.platform, self.auth, self.store = platform, auth, store
        self.environ, self.client, self.clock = environ, client, clock
        self._issued: dict[str, str] = {}  # token handed out → store key it came from
        self._accounts: dict[str, Account] = {}  # store key → account (for renewal)

    def app(self, account_id: str) -> App | None:
        """The app's id and secret when both are set (per account, or for the platform)."""
        if self.auth is None:
            return None
        app_id = _setting(self.environ, self.auth.id_setting, account_id)
        secret = _setting(self.environ, self.auth.secret_setting, account_id)
        redirect = getattr(self.auth, "redirect_setting", "")
        callback = _setting(self.environ, redirect, account_id) if redirect else ""
        return App(app_id, secret, callback) if app_id and secret else None

    def key(self, account: Account) -> str | None:
        """Where the account's renewable token lives in the store (None: not renewable)."""
        app = self.app(account.account_id)
        if isinstance(self.auth, ClientCredential) and app:
            return app_key(self.platform, app.app_id)
        if isinstance(self.auth, OAuth) and grant_key(self.platform, account.account_id) in (
            self.store.read()
        ):
            return grant_key(self.platform, account.account_id)
        return None

    def token(self, account: Account) -> str:
        """The account's token: renewed first when it expires within the margin."""
        key = self.key(account)
        if key is None:
            return self._static(account)
        self._accounts[key] = account
        with self.store.locked() as grants:
            grant = grants.get(key)
            if grant is None or grant.expires_at - RENEW_MARGIN_SECONDS <= self.clock():
                grant = grants[key] = self._renewed(account, grant)
        self._issued[grant.access_token] = key
        return grant.access_token

    def renew(self, refused: str) -> str | None:
        """The token to use instead of one the platform refused; None for a static token."""
        key = self._issued.get(refused)
        if key is None:
            return None
        account = self._accounts[key]
        with self.store.locked() as grants:
            grant = grants.get(key)
            if grant is None or grant.access_token == refused:
                grant = grants[key] = self._renewed(account, grant)
            # else another thread or run renewed it already: use theirs
        self._issued[grant.access_token] = key
        return grant.access_token

    def authorise(self, account: Account, code: str) -> Grant:
        """Exchange an authorisation code for the account's grant, and store it."""
        if not isinstance(self.auth, OAuth):
            raise ConfigError(
                f"{self.platform} tokens come from app credentials: nothing to "
                "authorise (set its app id and secret)"
            )
        app = self._require_app(account)
        if not code and not self.auth.self_grant:
            raise ConfigError(f"{self.platform}: --code is required (the consent page's code)")
        grant = self.auth.exchange(self.client, app, code, account.account_id)
        if self.auth.info_path:
            grant = self.auth.with_lifetime(self.client, grant)
        if grant.open_id and grant.open_id != account.account_id:
            raise CredentialError(
                f"{self.platform}: the code was issued to open_id {grant.open_id}, not to "
                f"account {account.account_id}: sign in as that account and authorise again"
            )
        with self.store.locked() as grants:
            grants[grant_key(self.platform, account.account_id)] = grant
        return grant

    def extend(self, account: Account, days: float = ALERT_DAYS) -> bool:
        """Renew the account's refresh token when it is ``due`` and the platform can: by
        its own call (Douyin), or by a refresh that issues a new one (抖店; Bilibili, whose
        lifetime is not published). False when it cannot (no such call, no permission,
        renewed too often, expired): then only authorising again helps."""
        if not isinstance(self.auth, OAuth):
            return False
        key = grant_key(self.platform, account.account_id)
        try:
            with self.store.locked() as grants:
                grant = grants.get(key)
                if grant is None or not grant.refresh_token:  # Weibo: nothing to renew
                    return False
                if not due(grant, self.clock(), days):
                    return True
                if self.auth.renew_refresh_path:
                    app = self._require_app(account)
                    grants[key] = self.auth.renew_refresh(self.client, app, grant)
                elif self.auth.refresh_renews or grant.refresh_expires_at is None:
                    grants[key] = self._renewed(account, grant)
                else:
                    return False
        except IngestionError:
            return False
        return True

    def _renewed(self, account: Account, grant: Grant | None) -> Grant:
        if isinstance(self.auth, OAuth) and grant is not None and not grant.refresh_token:
            # no refresh token (Weibo): only a new consent gives a token
            raise CredentialError(self._reauthorise(account, "its access token has expired"))
        app = self._require_app(account)
        if isinstance(self.auth, ClientCredential):
            return self.auth.fetch(self.client, app)
        assert isinstance(self.auth, OAuth) and grant is not None
        if grant.refresh_expires_at is not None and grant.refresh_expires_at <= self.clock():
            raise CredentialError(self._reauthorise(account, "its refresh token has expired"))
        try:
            renewed = self.auth.refresh(self.client, app, grant)
        except CredentialError as exc:
            raise CredentialError(self._reauthorise(account, str(exc))) from exc
        return Grant(
            renewed.access_token,
            renewed.expires_at,
            renewed.refresh_token or grant.refresh_token,
            renewed.refresh_expires_at
            if renewed.refresh_expires_at is not None
            else grant.refresh_expires_at,
            renewed.open_id or grant.open_id,
            renewed.obtained_at,
        )

    def _reauthorise(self, account: Account, why: str) -> str:
        command = authorise_command(self.platform, account.account_id, self.needs_code)
        return f"{self.platform} account {account.account_id}: {why}; authorise it again: {command}"

    @property
    def needs_code(self) -> bool:
        """Whether authorising takes a consent page's code (all but 抖店's own shop)."""
        return not (isinstance(self.auth, OAuth) and self.auth.self_grant)

    def _require_app(self, account: Account) -> App:
        app = self.app(account.account_id)
        if app is None:
            assert self.auth is not None
            raise ConfigError(
                f"{self.platform} account {account.account_id}: set "
                f"{self.auth.id_setting} and {self.auth.secret_setting} (the app's id and "
                "secret) to obtain and renew its token"
            )
        return app

    def _static(self, account: Account) -> str:
        try:
            return token_for(self.platform, account.account_id, self.environ)
        except ConfigError as exc:
            raise ConfigError(missing(account, self.auth)) from exc


def missing(account: Account, auth: Auth | None) -> str:
    """What to set (or do) when an account has no way to a token."""
    try:
        token_for(account.platform, account.account_id, {})
    except ConfigError as exc:
        message = str(exc)
    if isinstance(auth, OAuth):
        command = authorise_command(account.platform, account.account_id, not auth.self_grant)
        return (
            f"{message}, or authorise the account (with {auth.id_setting} and "
            f"{auth.secret_setting} set): {command}"
        )
    if auth is not None:
        return f"{message}, or set {auth.id_setting} and {auth.secret_setting}"
    return message


def due(grant: Grant, now: float, days: float = ALERT_DAYS) -> bool:
    """Whether a grant's refresh token needs renewing: it expires within ``days``, or (no
    lifetime published) the grant was last refreshed ``UNPUBLISHED_CHECK_DAYS`` ago."""
    if grant.refresh_expires_at is None:
        return now - grant.obtained_at > UNPUBLISHED_CHECK_DAYS * DAY_SECONDS
    return grant.refresh_expires_at - now <= days * DAY_SECONDS


def _setting(environ: Mapping[str, str], name: str, account_id: str) -> str:
    own, shared = setting_names(name, account_id)
    return (environ.get(own) or "").strip() or (environ.get(shared) or "").strip()


# -- state and expiry --------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    """One account's credential, as ``status`` shows it: no secret in it."""

    platform: str
    account_id: str
    source: str  # stored grant / app credentials / static token / missing
    expires_at: float | None = None
    refresh_expires_at: float | None = None
    refreshed_at: float | None = None  # a stored grant's last authorisation or refresh
    refreshable: bool = True  # False: a grant without a refresh token (Weibo)
    needs_code: bool = True  # False: the app authorises its own account (抖店)

    @property
    def deadline(self) -> float | None:
        """When a person must authorise again: the refresh token's expiry, or the access
        token's where there is no refresh token."""
        return self.refresh_expires_at if self.refreshable else self.expires_at

    @property
    def expiring_token(self) -> str:
        return "refresh token" if self.refreshable else "access token (it cannot be refreshed)"

    def days_left(self, now: float) -> float | None:
        if self.deadline is None:
            return None
        return (self.deadline - now) / DAY_SECONDS

    def line(self, now: float) -> str:
        parts = [f"{self.platform:<10} {self.account_id:<24} {self.source}"]
        if self.expires_at is not None:
            parts.append(f"access until {_shown(self.expires_at)}")
        days = self.days_left(now)
        if days is not None:
            left = "EXPIRED" if days <= 0 else f"{days:.1f} days left"
            what = "refresh" if self.refreshable else "authorise again"
            parts.append(f"{what} until {_shown(self.deadline)} ({left})")
        elif self.refreshed_at is not None:
            age = (now - self.refreshed_at) / DAY_SECONDS
            parts.append(
                f"refresh lifetime not published; last refreshed {_shown(self.refreshed_at)} "
                f"({age:.1f} days ago)"
            )
        return "; ".join(parts)


def _shown(stamp: float | None) -> str:
    assert stamp is not None
    return datetime.fromtimestamp(stamp, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def states(paths: Paths, environ: Mapping[str, str], accounts: Sequence[Account]) -> list[State]:
    """Each API account's credential state, from the store and the environment."""
    from ingestion.platforms import PLATFORMS

    grants = CredentialStore(paths.credentials).read()
    return [
        state_of(a, PLATFORMS[a.platform].api.auth, grants, environ)  # type: ignore[union-attr]
        for a in accounts
        if a.platform in PLATFORMS and PLATFORMS[a.platform].api is not None
    ]


def state_of(
    account: Account, auth: Auth | None, grants: Mapping[str, Grant], environ: Mapping[str, str]
) -> State:
    """Where the account's token comes from: a stored grant (with the app to refresh it),
    the app's credentials, a static token, or nowhere ("missing")."""
    ids = (account.platform, account.account_id)
    app_id = _setting(environ, auth.id_setting, account.account_id) if auth else ""
    secret = _setting(environ, auth.secret_setting, account.account_id) if auth else ""
    grant = grants.get(grant_key(*ids))
    if isinstance(auth, OAuth) and grant is not None:
        refreshable = bool(grant.refresh_token)  # else the app is needed only to authorise
        usable = (app_id and secret) or not refreshable
        source = "stored grant" if usable else "stored grant, app credentials unset"
        expiries = (grant.expires_at, grant.refresh_expires_at, grant.obtained_at)
        return State(
            *ids, source, *expiries, refreshable=refreshable, needs_code=not auth.self_grant
        )
    if isinstance(auth, ClientCredential) and app_id and secret:
        cached = grants.get(app_key(account.platform, app_id))
        return State(*ids, "app credentials", cached.expires_at if cached else None)
    try:
        token_for(*ids, environ)
    except ConfigError:
        return State(*ids, "missing")
    return State(*ids, "static token")


def authorise_command(platform: str, account_id: str, needs_code: bool = True) -> str:
    """The command that authorises an account again, as every message tells it."""
    code = " --code <code from the platform's consent page>" if needs_code else ""
    return f"python -m ingestion.credentials authorise {platform} {account_id}{code}"


def _ids(account: Account) -> tuple[str, str]:
    return account.platform, account.account_id


def expiring(found: Sequence[State], now: float, days: float = ALERT_DAYS) -> list[str]:
    """One line per account whose refresh token (or unrefreshable access token) expires
    within ``days`` (or has), or, of unpublished lifetime, was last refreshed more than
    ``UNPUBLISHED_CHECK_DAYS`` ago."""
    lines = []
    for state in found:
        left = state.days_left(now)
        if left is not None and left <= days:
            when = "has expired" if left <= 0 else f"expires in {left:.1f} days"
            why = f"the {state.expiring_token} {when} ({_shown(state.deadline)} Beijing time)"
        elif left is None and state.refreshed_at is not None:
            age = (now - state.refreshed_at) / DAY_SECONDS
            if age <= UNPUBLISHED_CHECK_DAYS:
                continue
            why = (
                "no refresh-token lifetime is published and the grant was last refreshed "
                f"{age:.1f} days ago ({_shown(state.refreshed_at)} Beijing time): it may have "
                "expired"
            )
        else:
            continue
        command = authorise_command(state.platform, state.account_id, state.needs_code)
        lines.append(
            f"{state.platform} account {state.account_id}: {why}; authorise it again: {command}"
        )
    return lines


# -- the command -------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    from ingestion.accounts import read_accounts
    from ingestion.platforms import build_source

    parser = argparse.ArgumentParser(
        prog="python -m ingestion.credentials", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--home", help="SOCIALMART_HOME (default: the environment's, or ./data)")
    commands = parser.add_subparsers(dest="command", required=True)
    auth = commands.add_parser("authorise", help="exchange an authorisation code for a grant")
    auth.add_argument("platform")
    auth.add_argument("account_id")
    auth.add_argument(
        "--code",
        default="",
        help="the code the consent page redirected with (omitted: the 抖店 app's own shop)",
    )
    commands.add_parser("status", help="each account's credential state (no secrets)")
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    paths = Paths(Path(args.home).resolve()) if args.home else Paths.from_env(environ)
    try:
        accounts = read_accounts(paths.accounts)
    except IngestionError as exc:
        print(exc, file=sys.stderr)
        return 2
    now = time.time()
    if args.command == "status":
        for state in states(paths, environ, accounts):
            print(state.line(now))
        for line in expiring(states(paths, environ, accounts), now):
            print(f"WARNING: {line}", file=sys.stderr)
        return 0
    account = next(
        (a for a in accounts if (a.platform, a.account_id) == (args.platform, args.account_id)),
        None,
    )
    if account is None:
        print(
            f"{args.platform} account {args.account_id} is not in {paths.accounts}", file=sys.stderr
        )
        return 2
    source = build_source(args.platform, paths, environ)
    try:
        grant = source.credentials.authorise(account, args.code)  # type: ignore[attr-defined]
    except IngestionError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        source.close()
    state = State(
        *_ids(account),
        "stored grant",
        grant.expires_at,
        grant.refresh_expires_at,
        grant.obtained_at,
        refreshable=bool(grant.refresh_token),
    )
    print(f"authorised: {state.line(now)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
