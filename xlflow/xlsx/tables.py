"""Plain data tables as one xlsx workbook: a sheet per table, a header row, typed cells.

For BI tools (Power BI, FineBI, Tableau) reading an export: each sheet holds an Excel table
(ListObject) named after it, so the tools list it by name; dates are date cells, numbers number
cells, booleans boolean cells, and every text is a string cell — text beginning with "=" stays
text, exactly as typed (with Excel's quote prefix, a style, so editing the cell keeps it text).
Rows go through the fast writer (fastsheet.FastSheet.bulk: 50,000 tasks in seconds, not tens
of seconds). Callers hand in plain rows and a type per column; nothing here knows the week.
"""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path

from .book import SAFE_OPTIONS
from .fastsheet import FONT, Col, FastSheet, Styles
from .pack import FastWorkbook
from .private import xf_index

_KIND = {"text": "text", "date": "date", "datetime": "datetime", "integer": "int", "number": "number",
         "boolean": "text"}  # a bool is written as a boolean cell whatever the column's kind
_WIDTH = {"date": 12, "datetime": 17, "integer": 12, "number": 12, "boolean": 12}


class _TableStyles(Styles):
    """The fast writer's styles plus a plain number format (its "int" shows 40.5 as 41)."""

    def __init__(self, wb) -> None:
        super().__init__(wb)
        self.formats["number"] = wb.add_format(dict(FONT, valign="top"))
        xf_index(self.formats["number"])

    def xf_for_kind(self, kind: str) -> int:
        return self.xf("number") if kind == "number" else super().xf_for_kind(kind)


def write_tables(path: Path, tables: dict[str, tuple[Sequence[str], Sequence[str], list[tuple]]]) -> Path:
    """tables: sheet name -> (column names, column types, rows). The caller makes it atomic
    (a temporary path renamed when complete)."""
    book = FastWorkbook(str(path), {**SAFE_OPTIONS, "in_memory": True})  # no temporary file per part (private._Part)
    styles = _TableStyles(book)
    for name, (columns, kinds, rows) in tables.items():
        sheet = book.add_worksheet(name[:31], worksheet_class=FastSheet)
        for c, (column, kind) in enumerate(zip(columns, kinds, strict=True)):
            sheet.write_string(0, c, column)
            sheet.set_column(c, c, _WIDTH.get(kind, 18))
        cols = [Col(column, _WIDTH.get(kind, 18), itemgetter(i), _KIND[kind]) for i, (column, kind)
                in enumerate(zip(columns, kinds, strict=True))]
        sheet.bulk(1, cols, rows, styles)
        options = {"name": name, "style": "Table Style Light 9", "columns": [{"header": c} for c in columns]}
        if rows:
            sheet.add_big_table(0, 0, len(rows), len(columns) - 1, options)
        else:  # an Excel table needs a data row, even an empty one
            sheet.add_table(0, 0, 1, len(columns) - 1, options)
        sheet.freeze_panes(1, 0)
    book.close()
    return Path(path)
