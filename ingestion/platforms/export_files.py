"""Platforms without a public data API: their creator centres' export files.

Staff export the tables and drop them into ``<home>/inbox/<platform>/``, or into the
account's folder ``<account_id>/`` under it when the export does not name its account. Each
kind declares how its real layout reads (``aliases``, ``units``, ``from_link``; the header
found within the first rows, the day from the title row or file name when the file has no
日期, or for a cumulative list its download day: ``check_export``). Every file there is
checked by ``check_export`` (the one validation, shared with the inbox sensor): a good file
is kept, its copy in ``.accepted/`` replacing an earlier version of the same name; a file
that cannot be read goes to ``rejected/`` with the reason, and the kept copy of an earlier
good version of it still loads, so a broken re-download never removes loaded rows (a file
staff delete from the inbox withdraws its rows). A day's rows are those of the kept files
whose 日期 is that day; rows naming an account the
registry does not hold, or a value that does not parse, are quarantined with the file,
sheet, row and column.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingestion.accounts import Account
from ingestion.errors import ExportFileError
from ingestion.exports import ExportTable, position, read_table
from ingestion.http import Page
from ingestion.inbox import (
    account_of,
    entry_name,
    fingerprint,
    inbox_files,
    keep,
    kept_files,
    record_loaded,
    reject,
)
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI
from ingestion.values import parse_date

DATE_COLUMN = "日期"
ACCOUNT_COLUMN = "账号ID"
PERIOD_START = "统计开始"  # the period of a file of range totals (ExportKind.range_totals)
PERIOD_END = "统计结束"
SNAPSHOTS = "content_snapshots"  # the grain of a cumulative content list
# a day in a title row (统计时间 2026年11月20日) or a file name (…_2026-11-20.xlsx, …20261120…)
_DAY = re.compile(
    r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"
)


@dataclass(frozen=True)
class ExportLayout:
    """Which header holds each column of the generic export staging model of its grain.

    A social platform's export tables declare their layout here and share one staging
    path in dbt (``stg_exports__content_daily`` or ``…__content_snapshots``,
    ``stg_exports__account_daily``), generated
    from the platform table: a new export platform needs no SQL of its own.

    A ``content_snapshots`` table is a cumulative list (视频号 作品列表, 知乎 内容分析): each
    row holds a content's totals since publication as of the file's day, which
    ``snapshot_day`` finds; dbt takes the day's numbers as the difference of two days.

    ``columns`` maps a staging column (a conformed metric, or ``completion_rate``: a rate,
    completed views = views × rate) to its header, in the order the metric mapping lists
    them. The content grain also names the content id, title and publish-time headers
    (Beijing wall-clock times) and the content form: a constant, or a header whose values
    ``forms`` maps.
    """

    grain: str  # "content_daily", "content_snapshots" (SNAPSHOTS) or "account_daily"
    columns: dict[str, str]
    content_id: str = ""
    title: str = ""
    published_at: str = ""
    form: str = ""  # the one form of every content, or ...
    form_column: str = ""  # ... the header whose values `forms` maps to a form
    forms: dict[str, str] = field(default_factory=dict)
    # a staging model of the platform's content list (account_id, title, published_at,
    # content_form, period_end): gives a row lacking its publish time and form those of the
    # latest listed content of its account and title
    listed_in: str = ""


@dataclass(frozen=True)
class FromLink:
    """Columns a file lacks, read from its link column: the id (the URL's last path
    segment) and, when ``forms`` is given, the form by the link's shape (the first fragment
    of ``forms`` the URL holds)."""

    link: str
    id_column: str
    form_column: str = ""
    forms: dict[str, str] = field(default_factory=dict)

    def fill(self, row: dict[str, Any]) -> None:
        url = str(row.get(self.link) or "")
        row.setdefault(self.id_column, urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or None)
        if self.form_column:
            form = next((v for fragment, v in self.forms.items() if fragment in url), None)
            row.setdefault(self.form_column, form)


@dataclass(frozen=True)
class FromFileName:
    """Columns a file lacks, read from its name: the title is the name up to ``suffix``
    (the platform's suggested ``<标题>-数据明细表.xlsx``; a browser's `` (1)`` after it is
    ignored), the id the first match of ``id_pattern`` in it, else the title."""

    suffix: str
    title_column: str
    id_column: str
    id_pattern: str

    def fill(self, path: Path, row: dict[str, Any]) -> None:
        if row.get(self.id_column) not in (None, ""):
            return  # a table that names its items
        stem = path.stem
        if self.suffix not in stem:
            raise ExportFileError(
                f"{path}: its name does not end in {self.suffix!r}: the export's own name "
                f"(<title>{self.suffix}.xlsx) is what names its item"
            )
        title = stem.split(self.suffix, 1)[0].strip()
        found = re.search(self.id_pattern, stem)
        row.setdefault(self.title_column, title)
        row.setdefault(self.id_column, found.group(0) if found else title)


@dataclass(frozen=True)
class ExportKind:
    """One export table: the header that identifies it and what its rows must hold."""

    marker: str
    schema: RecordSchema
    # the column naming the account; None for a system with one account (the CRM)
    account_column: str | None = ACCOUNT_COLUMN
    # how the generic staging path reads it; None when the table has a model of its own
    layout: ExportLayout | None = None
    # the columns naming one item of a day: of two files holding it, the later download wins
    key: tuple[str, ...] = ()
    # real column names (docs/sources/exports.md, cited beside each) → the name used here
    aliases: dict[str, str] = field(default_factory=dict)
    # a real column's unit, written onto its bare numbers for the one value parser
    # (values.py): "%" makes 11.7 read 0.117, "万" makes 1.2 read 12000; seconds need none
    units: dict[str, str] = field(default_factory=dict)
    from_link: FromLink | None = None  # the id (and form) when only a link names the item
    from_name: FromFileName | None = None  # the id and title when only the file name has them
    # other headers that identify it (a layout without the marker, e.g. a series workbook)
    marked_by: tuple[str, ...] = ()
    # rows are totals over a period (统计开始 – 统计结束, from the title row or file name, else
    # up to the download day), never one day's numbers: landed under the period's last day
    range_totals: bool = False

    def markers(self) -> set[str]:
        """The header names that identify this export, as the schema or the file names it."""
        named = {real for real, name in self.aliases.items() if name == self.marker}
        if self.from_link and self.from_link.id_column == self.marker:
            named.add(self.from_link.link)
        return {self.marker, *self.marked_by} | named

    def check_headers(self, path: Path, entity: str, headers: set[str]) -> None:
        missing = [h for h in self.schema.required if h not in headers]
        if missing:
            raise ExportFileError(f"{path}: {entity} export lacks column(s) {missing}")


@dataclass(frozen=True)
class CheckedExport:
    entity: str  # "" for a file with a header and no rows
    table: ExportTable
    dates: list[date]  # the business days its rows cover
    digests: dict[date, str] = field(default_factory=dict)  # each day's rows, hashed


def rows_digest(rows: list[dict[str, Any]]) -> str:
    """A digest of rows as read: the same rows in a re-download give the same digest."""
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_export(
    path: Path, kinds: Mapping[str, ExportKind], account: str | None = None
) -> CheckedExport:
    """Can this file load? Readable, a known export with its required columns, and every
    row's 日期 a date. Raises ExportFileError naming the file (and row) otherwise.

    Real exports rarely name their account or day: ``account`` (the inbox sub-folder
    ``inbox/<platform>/<account_id>/`` the file was dropped in) fills a missing account
    column, and the one day of the title row or else the file name a missing 日期.
    The inbox sensor and the scheduled load both decide with this, so they agree."""
    table = read_table(path, set().union(*(kind.markers() for kind in kinds.values())))
    if not table.rows:
        return CheckedExport("", table, [])
    entity = _classify(path, kinds, set(table.rows[0]))
    table = _conformed(path, kinds[entity], table, account)
    kinds[entity].check_headers(path, entity, set(table.rows[0]))
    by_day: dict[date, list[dict[str, Any]]] = {}
    for index, row in enumerate(table.rows):
        where = position(path.name, table.sheet, table.numbers[index])
        try:
            day = parse_date(row[DATE_COLUMN])
        except ValueError as exc:
            raise ExportFileError(f"{where}: {DATE_COLUMN} {exc}") from exc
        if day is None:
            raise ExportFileError(f"{where}: {DATE_COLUMN} is empty")
        by_day.setdefault(day, []).append(row)
    digests = {day: rows_digest(rows) for day, rows in by_day.items()}
    return CheckedExport(entity, table, sorted(by_day), digests)


def _classify(path: Path, kinds: Mapping[str, ExportKind], headers: set[str]) -> str:
    for entity, kind in kinds.items():
        if kind.markers() & headers:
            return entity
    raise ExportFileError(f"{path}: not a known export (headers {sorted(headers)})")


def _conformed(
    path: Path, kind: ExportKind, table: ExportTable, account: str | None
) -> ExportTable:
    """The rows under the names the kind's schema uses, units on bare numbers, and the
    account and day the file does not carry filled in from its folder, title or name."""
    named = {kind.aliases.get(h, h) for h in table.rows[0]}
    fill: dict[str, Any] = {}
    column = kind.account_column
    if column is not None and column not in named:
        if account is None:
            raise ExportFileError(
                f"{path}: no {column} column; drop the file in the account's folder "
                "inbox/<platform>/<account_id>/"
            )
        fill[column] = account
    if kind.range_totals:
        start, end = period(path, table.title)
        fill |= {PERIOD_START: start and start.isoformat(), PERIOD_END: end.isoformat()}
        fill[DATE_COLUMN] = end.isoformat()
    elif DATE_COLUMN not in named and kind.layout is not None and kind.layout.grain == SNAPSHOTS:
        fill[DATE_COLUMN] = snapshot_day(path, table.title).isoformat()
    elif DATE_COLUMN not in named:
        # a content list dated by its file name alone is a list of totals since publication
        # (视频号's 下载表格, 知乎's 文章 / 回答 lists: docs/sources/exports.md §2a, §3a), not
        # the day's numbers: only a title row's one day (统计时间) dates content rows
        by_name = kind.layout is None or kind.layout.grain != "content_daily"
        fill[DATE_COLUMN] = period_day(path, table.title, by_name).isoformat()
    rows = []
    for row in table.rows:
        out = dict(fill)
        for header, value in row.items():
            unit = kind.units.get(header)
            if unit and isinstance(value, int | float) and not isinstance(value, bool):
                value = f"{value}{unit}"
            elif unit and isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
                value = f"{value.strip()}{unit}"
            out[kind.aliases.get(header, header)] = value
        if kind.from_link:
            kind.from_link.fill(out)
        if kind.from_name:
            kind.from_name.fill(path, out)
        rows.append(out)
    cells = table.cells and [
        {kind.aliases.get(header, header): place for header, place in row.items()}
        for row in table.cells
    ]
    return ExportTable(rows, table.numbers, table.sheet, table.totals_skipped, table.title, cells)


def _days(path: Path, text: str, where: str) -> set[date]:
    """The days written in a title row or file name."""
    days = set()
    for match in _DAY.finditer(text):
        year, month, day = (int(g) for g in match.groups() if g is not None)
        try:
            days.add(date(year, month, day))
        except ValueError as exc:
            raise ExportFileError(f"{path}: its {where} has no valid date ({exc})") from exc
    return days


def downloaded_day(path: Path) -> date:
    """The day a file was downloaded: its modification time, Shanghai."""
    return datetime.fromtimestamp(path.stat().st_mtime, SHANGHAI).date()


def period(path: Path, title: str) -> tuple[date | None, date]:
    """The period a file of range totals covers: the first and last day its title row, else
    its file name, states (one day: that day alone); else none stated, up to the day it was
    downloaded, as the lists' totals are as of the export (docs/sources/exports.md §1a)."""
    for text, where in ((title, "title row"), (path.stem, "file name")):
        days = _days(path, text, where)
        if days:
            return min(days), max(days)
    return None, downloaded_day(path)


def snapshot_day(path: Path, title: str) -> date:
    """The day a cumulative list's totals are as of: the one day of its title row, else of
    its file name, else the day it was downloaded. A range
    there is the filter choosing which works are listed (视频号's 近7天 is by publish date),
    not the day of the totals, so it is passed over."""
    for text, where in ((title, "title row"), (path.stem, "file name")):
        days = _days(path, text, where)
        if len(days) == 1:
            return days.pop()
    return downloaded_day(path)


def period_day(path: Path, title: str, by_name: bool = True) -> date:
    """The one day a file without a 日期 column covers: from its title row (统计时间 …),
    else (``by_name``) its file name. A range is refused: range totals are not a day's rows."""
    sources = [(title, "title row")] + ([(path.stem, "file name")] if by_name else [])
    for text, where in sources:
        days = _days(path, text, where)
        if len(days) == 1:
            return days.pop()
        if days:
            raise ExportFileError(
                f"{path}: its {where} gives the period {min(days)} – {max(days)}; range totals"
                f" are not a day's rows, and the file has no {DATE_COLUMN} column"
            )
    if not by_name:
        raise ExportFileError(
            f"{path}: no {DATE_COLUMN} column and no title row (统计时间 …) giving its day: a "
            "content list like this holds totals since publication, not one day's numbers, "
            "and is not loaded (docs/platforms.md, known gaps)"
        )
    raise ExportFileError(
        f"{path}: no {DATE_COLUMN} column, and neither a title row (统计时间 …) nor the file "
        "name names its day"
    )


class ExportSource:
    snapshot_only = False

    def __init__(self, platform: str, kinds: dict[str, ExportKind], inbox: Path):
        self.platform = platform
        self.kinds = kinds
        self.entities = tuple(kinds)
        self.schemas = {entity: kind.schema for entity, kind in kinds.items()}
        self.folder = inbox / platform
        self.rejected_files: list[str] = []  # moved aside by the last fetch, with the reason
        self.consulted: dict[str, str] = {}  # file name → fingerprint read by the last fetch
        self.totals_skipped: dict[str, int] = {}  # file name → 合计/总计 rows skipped
        self.digests: dict[str, str] = {}  # file name → digest of its rows of the day
        self.wanted: set[str] = set()  # the registry's accounts in the last fetch

    def close(self) -> None:
        pass

    def admit(self) -> None:
        """Check every inbox file: keep a copy of each good one, move each bad one aside."""
        self.rejected_files = []
        self.consulted = {}
        for path in inbox_files(self.folder):
            mark = fingerprint(path)
            try:
                check_export(path, self.kinds, account_of(self.folder, path))
            except ExportFileError as exc:
                # Never half-loaded: the file goes aside whole, the others still load.
                reject(path, str(exc))
                self.rejected_files.append(str(exc))
                continue
            self.consulted[entry_name(self.folder, path)] = mark
            keep(path)

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        """The day's rows of the kept files. Versions: of the rows of one item (the export's
        ``key``) on the day, the one in the latest download (the file's modification time)
        loads; an older file's (an earlier export, or the same rows as CSV beside XLSX) are
        landed marked ``superseded_by`` and not loaded."""
        self.wanted = {a.account_id for a in accounts}
        self.admit()
        self.totals_skipped = {}
        self.digests = {}
        if not self.wanted:
            return
        found: list[tuple[str, CheckedExport, list[int]]] = []
        latest: dict[tuple[str, ...], tuple[int, str]] = {}  # item → (mtime, file)
        for path in kept_files(self.folder):
            name = entry_name(self.folder, path)
            try:  # admitted: it read before
                checked = check_export(path, self.kinds, account_of(self.folder, path))
            except ExportFileError as exc:
                self.rejected_files.append(f"kept copy: {exc}")
                continue
            self.totals_skipped[name] = checked.table.totals_skipped
            rows = checked.table.rows
            mine = [i for i, r in enumerate(rows) if parse_date(r[DATE_COLUMN]) == day]
            if day in checked.digests:
                self.digests[name] = checked.digests[day]
            found.append((name, checked, mine))
            stamp = (path.stat().st_mtime_ns, name)
            for i in mine:
                key = self._version(checked.entity, rows[i])
                latest[key] = max(latest.get(key, stamp), stamp)
        for name, checked, mine in found:
            by_winner: dict[str, list[int]] = {}
            for i in mine:
                winner = latest[self._version(checked.entity, checked.table.rows[i])][1]
                by_winner.setdefault(winner, []).append(i)
            for winner, picked in sorted(by_winner.items()):
                yield self._page(name, checked, picked, None if winner == name else winner)

    def _version(self, entity: str, row: dict[str, Any]) -> tuple[str, ...]:
        """The item a row describes; a row of an export without a key is its own item."""
        key = self.kinds[entity].key
        if not key:
            return entity, json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
        return entity, *(str(row.get(column)) for column in key)

    def _page(
        self, name: str, checked: CheckedExport, picked: list[int], superseded_by: str | None
    ) -> Page:
        table = checked.table
        params: dict[str, Any] = {
            "file": name,
            "sheet": table.sheet,
            "totals_skipped": table.totals_skipped,
        }
        if superseded_by:
            params["superseded_by"] = superseded_by
        body = {
            "rows": [table.rows[i] for i in picked],
            "row_numbers": [table.numbers[i] for i in picked],
        }
        if table.cells:
            body["cells"] = [table.cells[i] for i in picked]
        return Page(self.platform, checked.entity, name, params, body)

    def row_problems(self, page: dict[str, Any], index: int, record: dict[str, Any]) -> list[str]:
        """Why a row cannot load, each reason naming the file, sheet, row and column."""
        entity = page["entity"]
        found = self.schemas[entity].field_problems(record)
        column = self.kinds[entity].account_column
        if column is not None and str(record.get(column)) not in self.wanted:
            found.append((column, f"{column} {record.get(column)!r} is not in accounts.csv"))
        numbers = page["body"].get("row_numbers") or []  # pages landed before rows were numbered
        row = numbers[index] if index < len(numbers) else None
        cells = page["body"].get("cells") or []  # a sheet per series: each cell's own place
        places = cells[index] if index < len(cells) else {}
        sheet = page["params"].get("sheet", "")
        out = []
        for name, problem in found:
            cell_sheet, cell_row = places.get(name, (sheet, row))
            out.append(f"{position(page['params']['file'], cell_sheet, cell_row)}: {problem}")
        return out

    def mark_loaded(self, day: date) -> None:
        """The day's load succeeded: the files it read need no run of their own for it."""
        record_loaded(self.folder, self.consulted, day, self.totals_skipped, self.digests)

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        """The rows, their values typed once (dbt reads them typed); none of a superseded
        version."""
        if page["params"].get("superseded_by"):
            return []
        schema = self.schemas[page["entity"]]
        return [schema.typed(row) for row in page["body"]["rows"]]
