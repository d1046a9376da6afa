"""Plain table workbooks: sheets of a title line, a header row and typed rows, and reading such a
sheet back. For reports and registers that are tables and nothing else (no validation, no forms).

Values keep their type: str stays text (a leading "=" never becomes a formula), int/float numbers,
date/datetime dates, bool yes/no as given by the caller (pass text), None a blank cell. A cell may
carry a fill colour with `Fill(value, "#RRGGBB")`.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .book import new_workbook
from .read import read_workbook

MAX_WIDTH = 60
LINE_POINTS = 15.0  # the height of one line of the default 11-point font (Excel's default row)
MAX_ROW_POINTS = 409.0  # the tallest row a spreadsheet allows


@dataclass(frozen=True)
class Fill:
    """A value drawn on a coloured cell."""

    value: object
    colour: str


@dataclass(frozen=True)
class Table:
    """One sheet: `name` (at most 31 characters, no []:*?/\\), an optional title line, the header, rows."""

    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    title: str = ""
    widths: Sequence[int] = field(default_factory=tuple)
    note: str = ""  # a line under the table (e.g. what a blank cell means)


def _sheet_name(name: str, taken: set[str]) -> str:
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name).strip("'")[:31] or "Sheet"
    base, n = clean, 2
    while clean.lower() in taken:
        suffix = f" ({n})"
        clean, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(clean.lower())
    return clean


def write_tables(path: Path | str, tables: Sequence[Table]) -> Path:
    """Write the tables, one sheet each, to `path` (the caller makes the write atomic)."""
    wb = new_workbook(path)
    styles = {
        "title": wb.add_format({"bold": True, "font_size": 13}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}),
        "text": wb.add_format({"text_wrap": True, "valign": "top"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "num": wb.add_format({"valign": "top"}),
    }
    fills: dict[tuple[str, str], object] = {}
    taken: set[str] = set()
    for table in tables:
        sheet = wb.add_worksheet(_sheet_name(table.name, taken))
        widths = [_width(table, col) for col in range(len(table.headers))]
        top = 0
        if table.title:
            sheet.write_string(0, 0, table.title, styles["title"])
            top = 2
        for col, head in enumerate(table.headers):
            sheet.write_string(top, col, str(head), styles["head"])
            sheet.set_column(col, col, widths[col])
        _fit_row(sheet, top, table.headers, widths)
        for r, row in enumerate(table.rows, start=top + 1):
            for col, value in enumerate(row):
                _write(wb, sheet, r, col, value, styles, fills)
            _fit_row(sheet, r, row, widths)
        if table.headers:
            sheet.freeze_panes(top + 1, 0)
            sheet.autofilter(top, 0, top + max(len(table.rows), 1), len(table.headers) - 1)
        if table.note:
            _write_note(sheet, top + len(table.rows) + 2, table.note, widths, styles["text"])
    wb.close()
    return Path(path)


def text_width(text: str) -> int:
    """How many columns of a sheet's width `text` takes: a wide (CJK) character two, any other one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def line_count(text: str, width: float) -> int:
    """The lines `text` wraps to in a column `width` characters wide (each line break starts one).
    An estimate on the safe side: a cell's margins take a character, wrapping at spaces a little more."""
    usable = max(1.0, width - 2)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def _fit_row(sheet, row: int, values: Sequence[object], widths: Sequence[float]) -> None:
    """The row made tall enough for its longest wrapped text (a spreadsheet does not do it on opening)."""
    lines = 1
    for col, value in enumerate(values):
        value = value.value if isinstance(value, Fill) else value
        if isinstance(value, str) and col < len(widths):
            lines = max(lines, line_count(value[:32767], widths[col]))
    if lines > 1:
        sheet.set_row(row, min(MAX_ROW_POINTS, LINE_POINTS * lines))


def _write_note(sheet, row: int, note: str, widths: Sequence[float], style) -> None:
    """The note under the table, across the table's width, as tall as its text."""
    if len(widths) > 1:
        sheet.merge_range(row, 0, row, len(widths) - 1, note, style)
    else:
        sheet.write_string(row, 0, note, style)
    lines = line_count(note, sum(widths) if widths else 8)
    if lines > 1:
        sheet.set_row(row, min(MAX_ROW_POINTS, LINE_POINTS * lines))


def _width(table: Table, col: int) -> int:
    if col < len(table.widths) and table.widths[col]:
        return table.widths[col]
    cells = [r[col] for r in table.rows[:200] if col < len(r) and r[col] is not None]
    longest = max(text_width(str(v.value if isinstance(v, Fill) else v)) for v in [table.headers[col], *cells])
    return max(8, min(MAX_WIDTH, longest + 2))


_FILL_FORMATS: dict[str, dict[str, object]] = {"date": {"num_format": "yyyy-mm-dd"}, "num": {}, "text": {"text_wrap": True}}


def _write(wb, sheet, row: int, col: int, value: object, styles: dict, fills: dict) -> None:
    kind = "text"
    if isinstance(value, Fill):
        colour, value = value.colour, value.value
        kind = "date" if isinstance(value, dt.date) else "num" if isinstance(value, (int, float)) else "text"
        key = (kind, colour)
        if key not in fills:
            fills[key] = wb.add_format({**_FILL_FORMATS[kind], "bg_color": colour, "valign": "top"})
        style = fills[key]
    else:
        style = None
    if value is None or value == "":
        if style is not None:
            sheet.write_blank(row, col, None, style)
        return
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), style or styles["date"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), style or styles["date"])
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, style or styles["num"])
    else:
        sheet.write_string(row, col, str(value)[:32767], style or styles["text"])


def read_table(path: Path | str, sheet_index: int = 0, header_row: int | None = None) -> list[list[object]]:
    """The rows under the header of a sheet written by write_tables (header_row: 1-based; by default
    row 3 when a title line is above it, else row 1). Dates come back as datetime."""
    book = read_workbook(path)
    if sheet_index >= len(book.sheets):
        return []
    sheet = book.sheets[sheet_index]
    if header_row is None:
        header_row = 3 if sheet.value(2, 1) is None and sheet.value(3, 1) is not None else 1
    width = max((c for (r, c) in sheet.cells if r == header_row), default=0)
    rows = []
    for r in range(header_row + 1, sheet.last_row + 1):
        values = [sheet.value(r, c) for c in range(1, width + 1)]
        if all(v in (None, "") for v in values):
            break  # the table ends at its first blank row (a note may follow)
        rows.append(values)
    return rows
