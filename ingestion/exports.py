"""Reading export files: XLSX, or CSV text in UTF-8, UTF-8 with BOM, UTF-16 or GBK,
or an HTML table saved as ``.xls``.

Cells come back as received (numbers stay numbers, text stays text, dates become ISO
strings) so the landed pages keep the file's own values; the loader types them
(``RecordSchema.typed``). Totals rows (合计/总计) are skipped and counted, never loaded as
an item. A ``.xls`` is read by its first bytes, not its name (docs/sources/exports.md
"`.xls` that is really an HTML table"): CSV text and an HTML table (``html_tables``) are
read, a BIFF workbook is refused with the reason, as is any other kind of file; an empty
or cut-short file is refused saying so.

The header is the first row, within the first ``HEADER_SEARCH_ROWS``, holding one of the
caller's marker column names: real exports put a banner (XHS 笔记列表明细表: 最多导出排序后前
1000条笔记), a title (统计时间 …) or merged group headers above it (docs/sources/exports.md
§6 "Never assume row 1"). The rows above it are kept as ``title`` text (its period).

A workbook of one sheet per series (XHS 数据明细表 and 近30日 account workbooks,
docs/sources/exports.md §1b, §1c: an overview sheet ``指标 | 数值``, then a ``日期 | <metric>``
or ``日期 | 数值`` sheet per metric) is read as one table: a row per date, a column per
series, named by its header (or, under 数值, by its sheet name without 趋势 / （按天）), and
``PART`` naming which export it is (its overview sheet, else its series). Hourly sheets
(时间 | …, 小时 in the name) and the overview's range totals are not daily rows: not read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ingestion.errors import ExportFileError
from ingestion.html_tables import html_rows
from ingestion.values import parse_date

ENCODINGS = ("utf-8-sig", "gbk")  # utf-8-sig also reads plain UTF-8
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SUFFIXES = (".xlsx", ".csv", ".xls")
TOTALS = ("合计", "总计")  # a row whose first filled cell starts so sums the others
HEADER_SEARCH_ROWS = 10  # XHS: 1 banner row; 蒲公英: 3 header rows; 公众号 tendency: 3
SERIES_DATE = "日期"  # the first header of a series sheet
OVERVIEW = "指标"  # the first header of a workbook's overview (range totals) sheet
PART = "数据表"  # the column naming which part a series workbook is (基础数据 / 互动数据 …)
_VALUE_HEADERS = ("数值", "值", "")  # a series named by its sheet, not its header
_SHEET_SUFFIX = re.compile(r"\s*(?:[（(][^）)]*[）)]|趋势)\s*$")


@dataclass(frozen=True)
class ExportTable:
    """The data rows of a file's first sheet, keyed by its header row."""

    rows: list[dict[str, Any]]
    numbers: list[int]  # each row's line (CSV) or row (XLSX) number in the file, from 1
    sheet: str = ""  # the sheet read (XLSX); empty for text files
    totals_skipped: int = 0
    title: str = ""  # the text of the rows above the header (a banner, 统计时间 …)
    # a workbook of a sheet per series: where each row's cells are, column → (sheet, row)
    cells: list[dict[str, tuple[str, int]]] | None = None


def position(file: str, sheet: str, row: int | None) -> str:
    """Where a cell's row is, for a person opening the file: "a.xlsx sheet 'Sheet1' row 4"."""
    sheet_part = f" sheet {sheet!r}" if sheet else ""
    row_part = f" row {row}" if row is not None else ""
    return f"{file}{sheet_part}{row_part}"


def read_export(path: Path, markers: Collection[str] = ()) -> list[dict[str, Any]]:
    return read_table(path, markers).rows


def read_table(path: Path, markers: Collection[str] = ()) -> ExportTable:
    """The rows under the header: the first row holding one of ``markers`` (row 1 when
    none are given)."""
    suffix = path.suffix.lower()
    sheet = ""
    if suffix in SUFFIXES and path.stat().st_size == 0:
        raise ExportFileError(f"{path}: the file is empty (0 bytes: an interrupted download?)")
    if suffix == ".xlsx":
        sheets = _xlsx_sheets(path)
        if _is_series_workbook(sheets):
            return _series_table(path, sheets)
        sheet, lines = next(iter(sheets.items()))
    elif suffix in (".csv", ".xls"):
        lines = _text_rows(path)
    else:
        raise ExportFileError(f"{path}: not an export file (expected .xlsx, .csv or .xls)")
    at = _header_index(path, lines, markers)
    title = " ".join(_text(v) for line in lines[:at] for v in line if _text(v))
    names = [_text(h) for h in lines[at]]
    if not any(names):
        raise ExportFileError(f"{path}: row {at + 1} has no column headers")
    out, numbers, totals = [], [], 0
    for number, row in enumerate(lines[at + 1 :], start=at + 2):
        if all(v in (None, "") for v in row):
            continue
        if len(row) > len(names):
            raise ExportFileError(f"{path} row {number}: {len(row)} cells, header has {len(names)}")
        first = next((str(v).strip() for v in row if v not in (None, "")), "")
        if first.startswith(TOTALS):
            totals += 1
            continue
        out.append({n: _cell(v) for n, v in zip(names, row, strict=False) if n})
        numbers.append(number)
    return ExportTable(out, numbers, sheet, totals, title)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _header_index(path: Path, lines: list[tuple], markers: Collection[str]) -> int:
    if not markers:
        return 0
    for index, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if any(_text(v) in markers for v in line):
            return index
    raise ExportFileError(
        f"{path}: no header row in the first {HEADER_SEARCH_ROWS} rows "
        f"(looked for one of {sorted(markers)})"
    )


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_sheets(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's rows, by sheet name, in the workbook's order."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ExportFileError(
            f"{path}: not a readable XLSX workbook, damaged or cut short ({exc})"
        ) from exc
    try:
        sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()
    if not next(iter(sheets.values()), None):
        raise ExportFileError(f"{path}: the first sheet is empty")
    return sheets


def _first_two(rows: list[tuple]) -> tuple[str, str]:
    """The first two header cells of a sheet ("" when it has no rows)."""
    cells = [_text(v) for v in (rows[0] if rows else ())] + ["", ""]
    return cells[0], cells[1]


def _series_header(rows: list[tuple]) -> bool:
    """``日期 | <one series>``: two columns, the first 日期."""
    filled = [v for v in (rows[0] if rows else ()) if _text(v)]
    return len(filled) == 2 and _first_two(rows)[0] == SERIES_DATE


def _is_series_workbook(sheets: dict[str, list[tuple]]) -> bool:
    """An overview sheet first, or several ``日期 | …`` sheets: one sheet per series."""
    first = next(iter(sheets.values()))
    series = sum(_series_header(rows) for rows in sheets.values())
    return _first_two(first)[0] == OVERVIEW or series > 1


def _series_name(sheet: str, header: str) -> str:
    """A series' column: its header, or under 数值 its sheet (观看趋势 → 观看)."""
    return header if header not in _VALUE_HEADERS else _SHEET_SUFFIX.sub("", sheet)


def _series_table(path: Path, sheets: dict[str, list[tuple]]) -> ExportTable:
    """One row per date of the workbook's daily series sheets, a column per series."""
    overview = [name for name, rows in sheets.items() if _first_two(rows)[0] == OVERVIEW]
    by_day: dict[str, dict[str, Any]] = {}
    numbers: dict[str, int] = {}
    places: dict[str, dict[str, tuple[str, int]]] = {}
    names: list[str] = []
    totals = 0
    for sheet, rows in sheets.items():
        if not _series_header(rows) or "小时" in sheet:
            continue  # the overview, hourly buckets (时间 | …): not a day's rows
        name = _series_name(sheet, _first_two(rows)[1])
        if name in names:
            raise ExportFileError(f"{position(path.name, sheet, 1)}: a second {name!r} series")
        names.append(name)
        for number, row in enumerate(rows[1:], start=2):
            cells = list(row[:2]) + [None, None]
            if all(v in (None, "") for v in row):
                continue
            if _text(cells[0]).startswith(TOTALS):
                totals += 1
                continue
            try:
                day = parse_date(_cell(cells[0]))
            except ValueError as exc:
                raise ExportFileError(f"{position(path.name, sheet, number)}: {exc}") from exc
            if day is None:
                raise ExportFileError(f"{position(path.name, sheet, number)}: no {SERIES_DATE}")
            found = by_day.setdefault(day.isoformat(), {SERIES_DATE: day.isoformat()})
            if name in found:
                raise ExportFileError(f"{position(path.name, sheet, number)}: {day} twice")
            found[name] = _cell(cells[1])
            numbers.setdefault(day.isoformat(), number)
            places.setdefault(day.isoformat(), {})[name] = (sheet, number)
    if not names:
        raise ExportFileError(f"{path}: a workbook of overview sheets with no daily series")
    part = "+".join(overview) or "+".join(names)
    days = sorted(by_day)
    rows_out = [{PART: part, **by_day[d]} for d in days]
    title = " ".join(overview)
    return ExportTable(
        rows_out, [numbers[d] for d in days], "", totals, title, [places[d] for d in days]
    )


def _text_rows(path: Path) -> list[tuple]:
    raw = path.read_bytes()
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise ExportFileError(f"{path}: an old binary Excel (BIFF) workbook; save it as .xlsx")
    text = _decode(path, raw)
    if not text.strip():
        raise ExportFileError(f"{path}: the file is empty (an interrupted download?)")
    if text.lstrip()[:1] == "<":
        return html_rows(path, text)
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" (UTF-16) is tab-separated; the platforms' CSV uses commas
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        rows = [
            tuple(r)
            for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        ]
    except csv.Error as exc:  # a quoted cell never closed: the text stops inside it
        raise ExportFileError(f"{path}: not readable CSV text, cut short? ({exc})") from exc
    widths = [len(r) for r in rows if any(r)]
    if len(widths) > 1 and not text.endswith(("\n", "\r")) and widths[-1] < max(widths):
        raise ExportFileError(
            f"{path}: its last line has {widths[-1]} cells where the rows have {max(widths)} "
            "and no line end: the file is cut short (an interrupted download)"
        )
    return rows


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExportFileError(f"{path}: damaged UTF-16 text ({exc})") from exc
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExportFileError(f"{path}: neither UTF-8, UTF-16 nor GBK text")
