"""Plain data tables as one xlsx workbook: a sheet per table, a header row, typed cells.

For BI tools (Power BI, FineBI, Tableau) reading an export: each sheet holds an Excel table
(ListObject) named after it, so the tools list it by name; dates are date cells, numbers number
cells, booleans boolean cells, and every text is written as a string (text beginning with "="
stays text). Callers hand in plain rows and a type per column; nothing here knows the week.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from .book import new_workbook


def _writer(sheet, kind: str, fmt: dict):
    def write(row: int, col: int, value: object) -> None:
        if value is None or value == "":
            sheet.write_blank(row, col, None)
        elif kind == "boolean":
            sheet.write_boolean(row, col, bool(value))
        elif kind in ("integer", "number"):
            sheet.write_number(row, col, value)
        elif kind == "datetime" and isinstance(value, dt.datetime):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt["datetime"])
        elif kind == "date" and isinstance(value, dt.date):
            sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt["date"])
        else:
            sheet.write_string(row, col, str(value))
    return write


def write_tables(path: Path, tables: dict[str, tuple[Sequence[str], Sequence[str], list[tuple]]]) -> Path:
    """tables: sheet name -> (column names, column types, rows). The caller makes it atomic
    (a temporary path renamed when complete)."""
    book = new_workbook(path)
    fmt = {"date": book.add_format({"num_format": "yyyy-mm-dd"}),
           "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
    for name, (columns, kinds, rows) in tables.items():
        sheet = book.add_worksheet(name[:31])
        writers = [_writer(sheet, kind, fmt) for kind in kinds]
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                writers[c](r, c, value)
        last = max(len(rows), 1)  # an Excel table needs a data row, even an empty one
        sheet.add_table(0, 0, last, len(columns) - 1, {
            "name": name, "style": "Table Style Light 9",
            "columns": [{"header": col} for col in columns]})
        for c, kind in enumerate(kinds):
            sheet.set_column(c, c, 12 if kind in ("date", "integer", "number", "boolean") else
                             (17 if kind == "datetime" else 18))
        sheet.freeze_panes(1, 0)
    book.close()
    return Path(path)
