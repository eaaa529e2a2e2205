"""The account registry: which accounts of which platform the brand runs, and their role.

A CSV at ``<home>/accounts.csv`` with columns ``platform, account_id, account_name, role``
(role one of 主号/辅助号/知识号). Tokens are not in it: they come from the environment.

``parse_accounts`` reads the file once and collects every problem with its row (a row with
too many or too few values, an unknown platform, an empty account id, a bad role, an
account listed twice); ``read_accounts`` returns the accounts or raises ``AccountsError``
listing them all. The preflight reports the same problems through ``parse_accounts``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.errors import AccountsError, ConfigError, Problem

COLUMNS = ("platform", "account_id", "account_name", "role")
ROLES = ("主号", "辅助号", "知识号")
PlatformNames = Mapping[str, str] | Iterable[str]  # key → display name, or just the keys


@dataclass(frozen=True)
class Account:
    platform: str
    account_id: str
    account_name: str
    role: str


@dataclass
class Registry:
    """What the registry file holds: each usable account with its row, and every problem."""

    path: Path
    rows: list[tuple[int, Account]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def accounts(self) -> list[Account]:
        return [account for _, account in self.rows]


def read_accounts(path: Path, platforms: PlatformNames | None = None) -> list[Account]:
    """The accounts of the registry; ``AccountsError`` lists every problem it has."""
    registry = parse_accounts(path, platforms)
    if registry.problems:
        raise AccountsError(registry.problems)
    return registry.accounts


def parse_accounts(path: Path, platforms: PlatformNames | None = None) -> Registry:
    """Read the registry, keeping the rows that are right and a Problem for each one that
    is not. ``platforms`` defaults to the platform registry (keys and display names)."""
    names = _platform_names(platforms)
    registry = Registry(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        registry.problems.append(
            Problem(
                f"the account registry does not exist: create it with the header "
                f"{','.join(COLUMNS)} and one row per account",
                file=path,
            )
        )
        return registry
    except UnicodeDecodeError as exc:
        registry.problems.append(
            Problem(
                f"not UTF-8 (byte {exc.start} cannot be read): save it as 'CSV UTF-8' "
                "(Excel saves plain CSV as GBK on Chinese Windows)",
                file=path,
            )
        )
        return registry
    except OSError as exc:
        registry.problems.append(Problem(f"cannot be read: {exc.strerror}", file=path))
        return registry
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        found = ", ".join(header) if any(header) else "nothing"
        registry.problems.append(
            Problem(
                f"missing column(s) {', '.join(missing)}: the header must name "
                f"{', '.join(COLUMNS)} (found: {found})",
                file=path,
                row=1,
            )
        )
        return registry
    seen: dict[tuple[str, str], int] = {}
    last_line = reader.line_num
    for values in reader:
        first_line, last_line = last_line + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue  # a blank line, or one of commas only
        problems = _row_problems(path, first_line, last_line, header, values, names)
        if not problems:
            account = Account(**{c: values[header.index(c)].strip() for c in COLUMNS})
            key = (account.platform, account.account_id)
            if key in seen:
                problems.append(_duplicate(path, first_line, account, seen[key]))
            else:
                seen[key] = first_line
                registry.rows.append((first_line, account))
        registry.problems.extend(problems)
    return registry


def _row_problems(
    path: Path,
    row: int,
    last_line: int,
    header: list[str],
    values: list[str],
    names: Mapping[str, str],
) -> list[Problem]:
    if last_line > row:
        return [
            Problem(
                f'a quoted value runs over rows {row}-{last_line}: a double quote (") is '
                "not closed",
                file=path,
                row=row,
            )
        ]
    while len(values) > len(header) and not values[-1].strip():
        values = values[:-1]  # trailing commas carry nothing
    if len(values) != len(header):
        return [_field_count(path, row, header, values)]
    cell = {c: values[header.index(c)].strip() for c in COLUMNS}
    problems = []
    platform = cell["platform"]
    if platform not in names:
        problems.append(_unknown_platform(path, row, platform, names))
    if not cell["account_id"]:
        problems.append(
            Problem("account_id is empty: every row needs the platform's account id", path, row)
        )
    sources = source_keys()
    if platform in names and platform not in sources and cell["role"] not in ROLES:
        said = f"{cell['role']!r} is not a role" if cell["role"] else "role is empty"
        problems.append(
            Problem(
                f"{said}; valid roles: {', '.join(ROLES)} (only {', '.join(sources)} "
                "rows have no role)",
                path,
                row,
                "role",
            )
        )
    return problems


def _field_count(path: Path, row: int, header: list[str], values: list[str]) -> Problem:
    expected = f"the header has {len(header)} ({', '.join(header)})"
    if len(values) < len(header):
        return Problem(
            f"{len(values)} values where {expected}: a value or a comma is missing "
            "(a row without role still ends with a comma)",
            path,
            row,
        )
    message = (
        f"{len(values)} values where {expected}: a value holds an unquoted comma; put a "
        'value that contains a comma in double quotes ("…")'
    )
    name = header.index("account_name")
    extra = len(values) - len(header)
    if name < len(header) - 1:  # the commas can belong to the name only if columns follow it
        joined = [*values[:name], ",".join(values[name : name + extra + 1])]
        joined += values[name + extra + 1 :]
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(joined)
        message += f", e.g. if the comma is part of the account name: {out.getvalue()}"
    return Problem(message, path, row)


def _unknown_platform(path: Path, row: int, value: str, names: Mapping[str, str]) -> Problem:
    guess = suggest_platform(value, names)
    said = f"{value!r} is not a platform key" if value else "platform is empty"
    hint = f" (did you mean {guess}?)" if guess else ""
    return Problem(f"{said}{hint}; valid keys: {', '.join(sorted(names))}", path, row, "platform")


def _duplicate(path: Path, row: int, account: Account, first: int) -> Problem:
    return Problem(
        f"{account.platform} account {account.account_id} is listed twice, on rows {first} "
        f"and {row}: keep one row per account",
        path,
        row,
        "account_id",
    )


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-.·]+", "", text.casefold())


def suggest_platform(value: str, names: Mapping[str, str]) -> str | None:
    """The key meant by a differently written platform: another case (``Douyin``), a display
    name in Chinese or English (``小红书``, ``WeChat Official Account``), or a close typo."""
    wanted = _fold(value)
    if not wanted:
        return None
    spellings: dict[str, str] = {}
    for key, name in names.items():
        for spelling in (key, name, *name.split(" ", 1)):
            spellings.setdefault(_fold(spelling), key)
    if wanted in spellings:
        return spellings[wanted]
    close = difflib.get_close_matches(wanted, [_fold(k) for k in names], n=1, cutoff=0.8)
    return spellings[close[0]] if close else None


def source_keys() -> tuple[str, ...]:
    """WeCom, CRM, the shop, live sessions and ads are data sources, not social accounts:
    their rows have no role (the platform table says which)."""
    # The registry's sources read tokens through this module, so it is imported late.
    from ingestion.platforms import source_keys as from_table

    return from_table()


def _platform_names(platforms: PlatformNames | None) -> dict[str, str]:
    if platforms is None:
        from ingestion.platforms import PLATFORMS

        return {key: info.name for key, info in PLATFORMS.items()}
    if isinstance(platforms, Mapping):
        return dict(platforms)
    return {key: key for key in platforms}


def write_accounts(path: Path, accounts: list[Account]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for a in accounts:
            writer.writerow([a.platform, a.account_id, a.account_name, a.role])


def setting_names(base: str, account_id: str) -> tuple[str, str]:
    """A setting's per-account variable (account id upper-cased, other characters ``_``),
    then the platform-wide fallback ``base``."""
    suffix = re.sub(r"[^A-Z0-9]", "_", account_id.upper())
    return f"{base}_{suffix}", base


def token_env_names(platform: str, account_id: str) -> tuple[str, str]:
    """The per-account token variable, then the platform-wide fallback."""
    return setting_names(f"SOCIALMART_{platform.upper()}_TOKEN", account_id)


def token_for(platform: str, account_id: str, environ: Mapping[str, str]) -> str:
    own, shared = token_env_names(platform, account_id)
    token = (environ.get(own) or "").strip() or (environ.get(shared) or "").strip()
    if not token:
        raise ConfigError(f"no token for {platform} account {account_id}: set {own} or {shared}")
    return token
