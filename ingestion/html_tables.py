"""The rows of an HTML table saved as ``.xls``, as Chinese back-offices download them.

公众号's user_analysis.xls is such a file: a title row, then the header (docs/sources/
exports.md §4, "`.xls` that is really an HTML table"). The first ``<table>`` is read; each
``<tr>`` is a row, each ``<td>``/``<th>`` a cell (its text, entities decoded), and a cell
spanning columns (``colspan``, a merged title) is followed by empty cells so the columns
stay aligned. What cannot be read safely is refused with the reason, never guessed: a cell
spanning rows (``rowspan``: which rows it belongs to is a guess), a table that never ends
(``</table>`` missing: a cut-short download), or a file with no table.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ingestion.errors import ExportFileError


class _Table(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, ...]] = []
        self.started = self.ended = False
        self.row_spans = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.ended:
            return
        if tag == "table":
            self.started = True
        elif tag == "tr" and self.started:
            self._end_row()
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._end_cell()
            spans = dict(attrs)
            if _span(spans.get("rowspan")) > 1:
                self.row_spans += 1
            self._span = _span(spans.get("colspan"))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.ended:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table" and self.started:
            self._end_row()
            self.ended = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self.ended:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._row.extend([""] * (self._span - 1))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            self.rows.append(tuple(self._row))
        self._row = None


def _span(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def html_rows(path: Path, text: str) -> list[tuple]:
    """The rows of the file's first table; ExportFileError saying why it cannot be read."""
    table = _Table()
    table.feed(text)
    table.close()
    if not table.started:
        raise ExportFileError(f"{path}: HTML without a <table>: not an export table")
    if not table.ended:
        raise ExportFileError(
            f"{path}: its HTML table never ends (no </table>): the file is cut short "
            "(an interrupted download)"
        )
    if table.row_spans:
        raise ExportFileError(
            f"{path}: its HTML table has {table.row_spans} cell(s) merged across rows "
            "(rowspan), which cannot be read safely; open it and save as .xlsx"
        )
    if not table.rows:
        raise ExportFileError(f"{path}: its HTML table has no rows")
    return table.rows
