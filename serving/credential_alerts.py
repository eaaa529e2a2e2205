"""A refresh token close to expiry, told to the team's robot days before the schedule breaks.

An OAuth refresh token (Douyin 30 days, Kuaishou 180 days) cannot be renewed by the
pipeline: a person must authorise the account again. ``notify_expiring`` posts one message
listing every account whose refresh token expires within ``ALERT_DAYS`` (declared once, in
``ingestion.credentials``), through the same robot as the KPI alerts; it runs daily.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from ingestion.accounts import read_accounts
from ingestion.credentials import ALERT_DAYS, expiring, states
from ingestion.settings import Paths
from serving.alerting import Webhook, send


def notify_expiring(
    paths: Paths, environ: Mapping[str, str], now: float | None = None
) -> list[str]:
    """The expiry lines found, posted to the robot when one is configured."""
    now = time.time() if now is None else now
    lines = expiring(states(paths, environ, read_accounts(paths.accounts)), now)
    hook = Webhook.from_env(environ)
    if lines and hook is not None:
        send(hook, f"socialmart · refresh tokens expiring within {ALERT_DAYS} days", lines)
    return lines
