"""The report workbooks (a department's slice) render their table rows themselves (xlsxwriter took
~10 µs a cell, most of writing a slice): the cells must read back exactly as xlsxwriter's own
per-cell writes made them — values, types, styles, row heights, the used range."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from xlflow.xlsx import report
from xlflow.xlsx.report import Column, TableSheet, write_tables

CHINA = dt.timezone(dt.timedelta(hours=8))
ROWS = (
    ("plain", 1, 2.5, dt.date(2026, 6, 12), None, "", True),
    ("=1+1 stays text", -3, 0.1 + 0.2, dt.datetime(2026, 6, 12, 9, 30), "两行\n换行的很长的中文说明文字" * 3, "@x", False),
    ("x" * 40000, 10**17, 1e-9, dt.datetime(2026, 6, 12, 9, 30, tzinfo=CHINA), "+1", "-2", object()),
    ("<r>rich?</r>", 0, 100.0, dt.date(1900, 1, 1), dt.date(1900, 3, 1), "\x01control", "🚀 emoji"),
)
COLUMNS = (
    Column("A", 12), Column("B", 8, "number"), Column("C", 8, "decimal"), Column("D", 12, "date"),
    Column("E", 10, wrap=True), Column("F", 8), Column("G", 8, "percent"),
)
FILLS = tuple(tuple("#FFC7CE" if (r + c) % 3 == 0 else None for c in range(len(COLUMNS))) for r in range(len(ROWS)))


def _book(path):
    sheets = [TableSheet("T", "title", "subtitle", COLUMNS, ROWS, FILLS, notes=("a note",)),
              TableSheet("Empty", "t", "s", COLUMNS, (), empty="nothing")]
    return openpyxl.load_workbook(write_tables(path, sheets, title="x"))


def _seen(book):
    out = []
    for sheet in book:
        out.append((sheet.title, sheet.dimensions, sheet.auto_filter.ref, sheet.freeze_panes,
                    {k: d.height for k, d in sheet.row_dimensions.items()}))
        for row in sheet.iter_rows():
            out += [(c.coordinate, c.value, c.data_type, c.number_format, c.fill.fgColor.rgb, c.font.b,
                     c.alignment.wrap_text, c.border.left.style) for c in row]
    return out


def test_rendered_rows_read_back_as_xlsxwriter_wrote_them(tmp_path, monkeypatch):
    rendered = _seen(_book(tmp_path / "rendered.xlsx"))
    monkeypatch.setattr(report, "_row_xml", lambda *args: None)  # every cell through xlsxwriter
    assert rendered == _seen(_book(tmp_path / "xlsxwriter.xlsx"))
    assert ("A5", "plain", "s", "@", "FFFFC7CE", False, None, "thin") in rendered
    assert any(cell[1] == "=1+1 stays text" and cell[2] == "s" for cell in rendered)


def test_a_number_that_is_not_finite_is_still_xlsxwriters_to_judge(tmp_path):
    sheets = [TableSheet("T", "t", "s", (Column("A", 8, "number"),), ((float("nan"),),))]
    with pytest.raises(TypeError):  # as before the rows were rendered: xlsxwriter refuses NaN
        write_tables(tmp_path / "nan.xlsx", sheets)
