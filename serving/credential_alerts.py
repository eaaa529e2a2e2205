"""A refresh token close to expiry, told to the team's robot days before the schedule breaks.

An OAuth refresh token (Douyin 30 days, Kuaishou 180 days, 抖店 14 days) ends, and then a
person must authorise the account again; so does Weibo's access token, which has no refresh
token. ``notify_expiring`` posts one message listing every account whose refresh token (or
Weibo access token) expires within ``ALERT_DAYS`` (declared once, in
``ingestion.credentials``), through the same robot as the KPI alerts; it runs daily.
Where the platform can renew a refresh token, that is tried first (``Credentials.extend``:
Douyin's renew_refresh_token, up to five times; a 抖店 refresh, which issues a new 14-day
one), and only an account it fails for is posted. Bilibili publishes no lifetime: a grant
last refreshed more than ``UNPUBLISHED_CHECK_DAYS`` ago is refreshed, and posted when
that fails.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from ingestion.accounts import Account, read_accounts
from ingestion.credentials import ALERT_DAYS, OAuth, expiring, states
from ingestion.platforms import PLATFORMS, build_source
from ingestion.settings import Paths
from serving.alerting import Webhook, send


def notify_expiring(
    paths: Paths, environ: Mapping[str, str], now: float | None = None
) -> list[str]:
    """The expiry lines found, posted to the robot when one is configured."""
    now = time.time() if now is None else now
    accounts = read_accounts(paths.accounts)
    if expiring(states(paths, environ, accounts), now):
        _extend(accounts, paths, environ)  # each account is extended only when it is due
    lines = expiring(states(paths, environ, accounts), now)
    hook = Webhook.from_env(environ)
    if lines and hook is not None:
        send(hook, f"socialmart · refresh tokens to renew (within {ALERT_DAYS} days)", lines)
    return lines


def _extend(accounts: list[Account], paths: Paths, environ: Mapping[str, str]) -> None:
    extendable = {
        key
        for key, info in PLATFORMS.items()
        if info.api is not None and isinstance(info.api.auth, OAuth)
    }
    for platform in extendable & {a.platform for a in accounts}:
        source = build_source(platform, paths, environ)
        try:
            for account in (a for a in accounts if a.platform == platform):
                source.credentials.extend(account)  # type: ignore[attr-defined]
        finally:
            source.close()
