"""The preflight: every account, credential and setting a run needs, checked at once.

``check(paths, environ)`` returns every problem found, each naming its file and row or its
setting, never stopping at the first; ``require`` returns the accounts or raises
``PreflightError`` listing them all. It checks

- the account registry (``accounts.parse_accounts``): the file and its header, rows with
  too many or too few values, unknown platforms, empty account ids, roles, duplicates;
- credentials: a way to a token for every account of an API platform (export platforms
  need none): a static token, the app's id and secret (WeChat OA, WeCom), or a stored grant
  with the app's id and secret to refresh it (Douyin, Kuaishou, Bilibili; see
  ``ingestion.credentials``), and the app credentials of platforms that sign their calls
  (``APP_CREDENTIALS``);
- settings: base URLs, rate limits, concurrency and timeouts of the API platforms, the
  hashing key, DuckDB's memory limit and the alert webhook's URL.

Every ingestion asset runs it before fetching, so a run with a configuration error fails
in seconds instead of being retried. Alone: ``python -m ingestion.preflight`` (``make
preflight``) exits 0 with a summary, or 2 with the list of problems.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from ingestion.accounts import Account, Registry, parse_accounts
from ingestion.credentials import CredentialStore, missing, state_of
from ingestion.errors import ConfigError, PreflightError, Problem
from ingestion.platforms import PLATFORMS, read_http_policy
from ingestion.privacy import KEY_VARIABLE, hash_key
from ingestion.settings import Paths
from ingestion.warehouse import MEMORY_LIMIT_VARIABLE as MEMORY_LIMIT
from ingestion.warehouse import connect

ALERT_WEBHOOK_URL = "SOCIALMART_ALERT_WEBHOOK_URL"
EXIT_PROBLEMS = 2
# Platforms whose calls are signed with the app's own id and secret, besides each account's
# token: the variables, needed as soon as the registry has an account of the platform.
APP_CREDENTIALS = {
    key: p.api.app_settings for key, p in PLATFORMS.items() if p.api and p.api.app_settings
}


def check(paths: Paths, environ: Mapping[str, str]) -> list[Problem]:
    """Every problem of the accounts, credentials and settings a run would meet."""
    return examine(paths, environ)[1]


def require(paths: Paths, environ: Mapping[str, str]) -> list[Account]:
    """The registry's accounts when nothing is wrong; else ``PreflightError`` with all."""
    registry, problems = examine(paths, environ)
    if problems:
        raise PreflightError(problems)
    return registry.accounts


def examine(paths: Paths, environ: Mapping[str, str]) -> tuple[Registry, list[Problem]]:
    registry = parse_accounts(paths.accounts)
    in_file = sorted(
        [*registry.problems, *credential_problems(paths, registry, environ)],
        key=lambda p: p.row or 0,
    )
    return registry, [*in_file, *setting_problems(environ)]


def credential_problems(
    paths: Paths, registry: Registry, environ: Mapping[str, str]
) -> list[Problem]:
    """One problem per account of an API platform with no way to a token, naming what to
    set or do."""
    problems = []
    grants = CredentialStore(paths.credentials).read()
    for row, account in registry.rows:
        api = PLATFORMS[account.platform].api
        if api is None:
            continue  # export files come without credentials
        state = state_of(account, api.auth, grants, environ)
        if state.source == "missing":
            problems.append(Problem(missing(account, api.auth), registry.path, row, "account_id"))
        elif state.source.endswith("unset") and api.auth is not None:
            problems.append(
                Problem(
                    f"{account.platform} account {account.account_id} has a stored grant; "
                    f"set {api.auth.id_setting} and {api.auth.secret_setting} to refresh it",
                    registry.path,
                    row,
                    "account_id",
                )
            )
    used = {a.platform for a in registry.accounts}
    for platform, names in APP_CREDENTIALS.items():
        for name in names:
            if platform in used and not (environ.get(name) or "").strip():
                problems.append(
                    Problem(f"{platform} signs every call with its app's id and secret", field=name)
                )
    return problems


def setting_problems(environ: Mapping[str, str]) -> list[Problem]:
    problems = []
    for key, info in PLATFORMS.items():
        if info.api is None:
            continue
        url = f"SOCIALMART_{key.upper()}_BASE_URL"
        problems += _url_problems(url, environ.get(url, ""))
        problems += read_http_policy(key, environ)[1]
    try:
        hash_key(environ)
    except ConfigError as exc:
        problems.append(Problem(f"{exc} (and erasure requests need it)", field=KEY_VARIABLE))
    problems += _memory_limit_problems(environ.get(MEMORY_LIMIT, ""))
    problems += _url_problems(ALERT_WEBHOOK_URL, environ.get(ALERT_WEBHOOK_URL, ""))
    return problems


def _url_problems(name: str, value: str) -> list[Problem]:
    """An http(s) URL with a host, when the variable is set (unset: the default applies)."""
    value = value.strip()
    if not value:
        return []
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if ok:
        return []
    return [Problem(f"{value!r} is not an http(s) URL with a host (e.g. https://host)", field=name)]


def _memory_limit_problems(value: str) -> list[Problem]:
    """Asked of DuckDB itself, the way every connection is given it (ingestion.warehouse)."""
    value = value.strip()
    if not value:
        return []
    try:
        connect(":memory:", memory_limit=value).close()
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        return [
            Problem(
                f"{value!r} is not a DuckDB memory limit ({reason}); e.g. 4GB, 512MB, 80%",
                field=MEMORY_LIMIT,
            )
        ]
    return []


def summary(registry: Registry) -> str:
    accounts = registry.accounts
    platforms = sorted({a.platform for a in accounts})
    api = [a for a in accounts if PLATFORMS[a.platform].api is not None]
    return (
        f"preflight OK: {registry.path}: {len(accounts)} account(s) on {len(platforms)} "
        f"platform(s) ({', '.join(platforms) or 'none'}); tokens found for {len(api)} API "
        "account(s); settings valid"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.preflight",
        description="Check accounts.csv, tokens and settings; list every problem at once.",
    )
    parser.add_argument("--home", help="SOCIALMART_HOME (default: the environment's, or ./data)")
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    paths = Paths(Path(args.home).resolve()) if args.home else Paths.from_env(environ)
    registry, problems = examine(paths, environ)
    if problems:
        print(PreflightError(problems), file=sys.stderr)
        return EXIT_PROBLEMS
    print(summary(registry))
    return 0


if __name__ == "__main__":
    sys.exit(main())
