"""Reading export files: XLSX, or CSV in UTF-8, UTF-8 with BOM or GBK, Chinese headers.

Cells come back as received (numbers stay numbers, text stays text, dates become ISO
strings) so the raw layer keeps the file's own values; staging does the parsing.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ingestion.errors import ExportFileError

ENCODINGS = ("utf-8-sig", "gbk")  # utf-8-sig also reads plain UTF-8


def read_export(path: Path) -> list[dict[str, Any]]:
    """Every data row of the file's first sheet, keyed by its header row."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        header, rows = _xlsx_rows(path)
    elif suffix == ".csv":
        header, rows = _csv_rows(path)
    else:
        raise ExportFileError(f"{path}: not an export file (expected .xlsx or .csv)")
    names = [str(h).strip() if h is not None else "" for h in header]
    if not any(names):
        raise ExportFileError(f"{path}: row 1 has no column headers")
    out = []
    for number, row in enumerate(rows, start=2):
        if all(v in (None, "") for v in row):
            continue
        if len(row) > len(names):
            raise ExportFileError(f"{path} row {number}: {len(row)} cells, header has {len(names)}")
        out.append({n: _cell(v) for n, v in zip(names, row, strict=False) if n})
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _xlsx_rows(path: Path) -> tuple[list[Any], list[tuple]]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ExportFileError(f"{path}: not a readable XLSX workbook ({exc})") from exc
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise ExportFileError(f"{path}: the first sheet is empty")
    return list(rows[0]), rows[1:]


def _csv_rows(path: Path) -> tuple[list[Any], list[tuple]]:
    raw = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ExportFileError(f"{path}: neither UTF-8 nor GBK text")
    rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""))]
    if not rows:
        raise ExportFileError(f"{path}: the file is empty")
    return list(rows[0]), rows[1:]
