"""The account registry: which accounts of which platform the brand runs, and their role.

A CSV at ``<home>/accounts.csv`` with columns ``platform, account_id, account_name, role``
(role one of 主号/辅助号/知识号). Tokens are not in it: they come from the environment.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import ConfigError

COLUMNS = ("platform", "account_id", "account_name", "role")
# Every platform key of the account matrix (SPEC §3); ingestion fetches those it supports.
# WeCom, CRM and the shop are data sources, not social accounts: they have no role.
SOURCE_KEYS = ("wecom", "crm", "shop", "live", "ads")
PLATFORM_KEYS = (
    "douyin",
    "kuaishou",
    "bilibili",
    "weibo",
    "wechat_oa",
    "wechat_channels",
    "xiaohongshu",
    "zhihu",
    *SOURCE_KEYS,
)
ROLES = ("主号", "辅助号", "知识号")


@dataclass(frozen=True)
class Account:
    platform: str
    account_id: str
    account_name: str
    role: str


def read_accounts(path: Path, known_platforms: tuple[str, ...] = PLATFORM_KEYS) -> list[Account]:
    if not path.exists():
        raise ConfigError(f"account registry {path} does not exist (columns: {', '.join(COLUMNS)})")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}")
        accounts = []
        for line, row in enumerate(reader, start=2):
            values = {c: (row[c] or "").strip() for c in COLUMNS}
            if values["platform"] not in known_platforms:
                raise ConfigError(f"{path} row {line}: unknown platform {values['platform']!r}")
            if not values["account_id"]:
                raise ConfigError(f"{path} row {line}: account_id is empty")
            social = values["platform"] not in SOURCE_KEYS
            if social and values["role"] not in ROLES:
                raise ConfigError(f"{path} row {line}: role {values['role']!r} not in {ROLES}")
            accounts.append(Account(**values))
    return accounts


def write_accounts(path: Path, accounts: list[Account]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for a in accounts:
            writer.writerow([a.platform, a.account_id, a.account_name, a.role])


def token_env_names(platform: str, account_id: str) -> tuple[str, str]:
    """The per-account token variable, then the platform-wide fallback."""
    suffix = re.sub(r"[^A-Z0-9]", "_", account_id.upper())
    base = f"SOCIALMART_{platform.upper()}_TOKEN"
    return f"{base}_{suffix}", base


def token_for(platform: str, account_id: str, environ: Mapping[str, str]) -> str:
    own, shared = token_env_names(platform, account_id)
    token = environ.get(own) or environ.get(shared)
    if not token:
        raise ConfigError(f"no token for {platform} account {account_id}: set {own} or {shared}")
    return token
