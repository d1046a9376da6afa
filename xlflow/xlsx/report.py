"""Simple report workbooks: one titled table per sheet, written as given and nothing else.

For outputs whose content is chosen upstream (a department's slice): the writer adds no data of
its own — no hidden sheet, no comment, no validation, no defined name but the print titles and
the filter — so a file holds exactly the rows it was handed. Strings are always written as
strings (text starting with "=" stays text); dates as dates, numbers as numbers.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .book import SAFE_OPTIONS
from .private import BulkRowsSheet, require, xf_index

FONT = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
NUMBER_FORMATS = {"text": "@", "date": "yyyy-mm-dd", "number": "0", "decimal": "0.0", "percent": "0\"%\""}
HEADER_ROW = 3  # title, subtitle, a blank row, then the header


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    kind: str = "text"  # text | date | number | decimal | percent (a number shown with "%")
    wrap: bool = False


@dataclass(frozen=True)
class TableSheet:
    """A sheet: title and subtitle lines, a header row, rows of values. `fills` gives, per row, a
    background colour per cell (None: none); `empty` is written under the header when there are no rows."""

    name: str
    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...] = ()
    fills: tuple[tuple[str | None, ...], ...] = ()
    empty: str = ""
    notes: tuple[str, ...] = field(default=())  # lines under the table


class _Formats:
    def __init__(self, wb) -> None:
        self.wb = wb
        self.cache: dict[tuple[str, bool, str | None], object] = {}  # (kind, wrap, fill) -> format
        self.title = wb.add_format({**FONT, "bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.subtitle = wb.add_format({**FONT, "font_color": "#404040"})
        self.header = wb.add_format({**FONT, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
        self.note = wb.add_format({**FONT, "italic": True, "font_color": "#7F7F7F"})

    def cell(self, column: Column, fill: str | None):
        key = (column.kind, column.wrap, fill)
        if key not in self.cache:
            spec = {**FONT, "border": 1, "border_color": "#BFBFBF", "num_format": NUMBER_FORMATS[column.kind]}
            if column.wrap:
                spec["text_wrap"] = True
            if fill:
                spec["bg_color"] = fill
            self.cache[key] = self.wb.add_format(spec)
        return self.cache[key]


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column (CJK characters count twice): neither Excel nor
    LibreOffice grows a row written by xlsxwriter, so a wrapped cell needs its height set."""
    return sum(1 if 2 * len(part) * 0.85 <= width else max(1, math.ceil(_units(part) * 0.85 / width))
               for part in text.split("\n"))  # a part too short to wrap even in wide characters: not measured


def _height(columns: tuple[Column, ...], values: tuple) -> float | None:
    lines = max((_lines(str(v), c.width) for c, v in zip(columns, values, strict=True) if c.wrap and isinstance(v, str)),
                default=1)
    return 15.0 * lines if lines > 1 else None


def _write(sheet, row: int, col: int, value: object, fmt) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value), fmt)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _row_xml(sheet: BulkRowsSheet, row: int, values: tuple, xfs: list[int], memo: dict[object, str]) -> str | None:
    """The row's <row> element with the cells `_write` would make through xlsxwriter (~10 µs a cell
    there: most of writing a slice), the strings in its shared table in the same order; None when
    a value is for xlsxwriter to judge (a number that is not finite)."""
    n = str(row + 1)
    cells = [f'<row r="{n}">']
    sst = sheet.shared_string_index()
    for col, xf in enumerate(xfs):
        value = values[col] if col < len(values) else None
        ref = _LETTERS[col] + n if col < len(_LETTERS) else xl_col_to_name(col) + n
        if value is None or value == "":
            cells.append(f'<c r="{ref}" s="{xf}"/>')
        elif isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
            text = str(value)
            if len(text) > TEXT_UNITS // 2 and len(text.encode("utf-16-le")) > 2 * TEXT_UNITS:
                text = text.encode("utf-16-le")[: 2 * TEXT_UNITS].decode("utf-16-le", "ignore")
            cells.append(f'<c r="{ref}" s="{xf}" t="s"><v>{sst(text)}</v></c>')
        elif isinstance(value, dt.datetime):
            cells.append(f'<c r="{ref}" s="{xf}"><v>{sheet.excel_serial(value.replace(tzinfo=None)):.16G}</v></c>')
        elif isinstance(value, dt.date):
            if value not in memo:
                memo[value] = f"{sheet.excel_serial(dt.datetime.combine(value, dt.time())):.16G}"
            cells.append(f'<c r="{ref}" s="{xf}"><v>{memo[value]}</v></c>')
        elif math.isfinite(value):
            cells.append(f'<c r="{ref}" s="{xf}"><v>{value:.16G}</v></c>')
        else:
            return None
    return "".join(cells) + "</row>"


_LETTERS = [xl_col_to_name(i) for i in range(64)]
TEXT_UNITS = 32767  # Excel's limit, in UTF-16 units; xlsxwriter cuts a longer string there


def _sheet(wb, fmt: _Formats, spec: TableSheet, footer: str) -> None:
    sheet = wb.add_worksheet(spec.name, worksheet_class=BulkRowsSheet)
    last = max(len(spec.columns) - 1, 0)
    sheet.write_string(0, 0, spec.title, fmt.title)
    sheet.set_row(0, 22)
    sheet.write_string(1, 0, spec.subtitle, fmt.subtitle)
    for col, column in enumerate(spec.columns):
        sheet.set_column(col, col, column.width)
        sheet.write_string(HEADER_ROW, col, column.header, fmt.header)
    # a wrapped header breaks at spaces, so it takes more lines than its width says
    sheet.set_row(HEADER_ROW, 15.0 * max(_lines(c.header, c.width * 0.7) for c in spec.columns) if spec.columns else 15.0)
    memo: dict[object, str] = {}  # a day's serial number, rendered once
    row = HEADER_ROW
    for row, values in enumerate(spec.rows, start=HEADER_ROW + 1):
        fills = spec.fills[row - HEADER_ROW - 1] if spec.fills else ()
        height = _height(spec.columns, values)
        if height:
            sheet.set_row(row, height)
        cell_formats = [fmt.cell(column, fills[col] if col < len(fills) else None)
                        for col, column in enumerate(spec.columns)]
        xml = _row_xml(sheet, row, values, [xf_index(f) for f in cell_formats], memo) if spec.columns else None
        if xml is not None:
            sheet.put_row(row, xml, len(spec.columns) - 1)
            continue
        for col, cell_format in enumerate(cell_formats):
            _write(sheet, row, col, values[col] if col < len(values) else None, cell_format)
    if not spec.rows and spec.empty:
        row = HEADER_ROW + 1
        sheet.write_string(row, 0, spec.empty, fmt.note)
    elif spec.rows:
        sheet.autofilter(HEADER_ROW, 0, row, last)
    for note in spec.notes:
        row += 1
        sheet.write_string(row + 1, 0, note, fmt.note)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer(footer)


def write_tables(path: Path | str, sheets: list[TableSheet], title: str = "", subject: str = "",
                 footer: str = "&L&A&R&P / &N") -> Path:
    """The workbook at `path` (the caller makes it atomic); properties: title, subject, author only."""
    require()  # the rows are rendered with xlsxwriter's internals (private.py)
    wb = xlsxwriter.Workbook(str(path), {**SAFE_OPTIONS, "in_memory": True})  # no temp files: a slice is small
    wb.set_properties({"title": title, "subject": subject, "author": "xlflow", "comments": ""})
    fmt = _Formats(wb)
    for spec in sheets:
        _sheet(wb, fmt, spec, footer)
    wb.close()
    return Path(path)
