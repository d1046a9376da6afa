"""Plain table workbooks (the close-out's final report, the lessons register, the portfolio): a row
is as tall as its longest wrapped text, estimated from the text's length and its column's width, a
CJK character counting double; the note under a table spans the table. Written and read back."""
from __future__ import annotations

import math

import openpyxl

from xlflow.xlsx.plainbook import LINE_POINTS, Table, line_count, text_width, write_tables


def test_a_wide_character_counts_double():
    assert text_width("RD-006 产品") == 11 and text_width("“a”") == 3
    assert line_count("x" * 18, 20) == 1 and line_count("x" * 19, 20) == 2  # a cell's margins take a character
    assert line_count("产" * 9, 20) == 1 and line_count("产" * 10, 20) == 2
    assert line_count("a\nb\n\nc", 20) == 4  # each line break starts a line


def test_rows_are_as_tall_as_their_longest_wrapped_text(tmp_path):
    long_zh = "RD 的变更申请 RD-C01（温控算法需求变更：功能确认顺延一周，宣传物料设计相应顺延）尚未审批。请在总表或牵头人工作簿中批准或驳回。"
    long_en = "Change request RD-C01 of RD has no decision. Approve or reject it in the master or the lead's workbook."
    note = "enums.toml 中没有“已取消”状态，因此所有未完成的任务都列为阻断项。" * 3
    table = Table("Readiness", ["Level", "What"], [("BLOCK", "short"), ("BLOCK", long_zh), ("WARN", long_en)],
                  widths=(8, 40), note=note)
    path = write_tables(tmp_path / "r.xlsx", [table])
    sheet = openpyxl.load_workbook(path).worksheets[0]
    heights = {r: sheet.row_dimensions[r].height for r in range(1, 8)}
    assert heights[2] is None  # one line: the default height
    zh_lines = math.ceil(text_width(long_zh) / 38)
    assert zh_lines == 4 and heights[3] == LINE_POINTS * zh_lines
    assert heights[4] == LINE_POINTS * math.ceil(len(long_en) / 38)
    assert sheet["B3"].value == long_zh and sheet["B3"].alignment.wrap_text
    # the note: across both columns (8 + 40 wide), as tall as its text
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A6:B6"] and sheet["A6"].value == note
    assert heights[6] == LINE_POINTS * math.ceil(text_width(note) / 46)


def test_an_automatic_width_measures_wide_characters(tmp_path):
    path = write_tables(tmp_path / "m.xlsx", [Table("M", ["里程碑", "ID"], [("需求冻结", "RD-001"), ("样机完成", "RD-002")])])
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.column_dimensions["A"].width >= 10  # 4 CJK characters: 8 columns, and the margin
    assert all(sheet.row_dimensions[r].height is None for r in (1, 2, 3))


def test_a_row_is_never_taller_than_a_spreadsheet_allows(tmp_path):
    path = write_tables(tmp_path / "t.xlsx", [Table("T", ["What"], [("很长的说明" * 2000,)], widths=(40,))])
    assert 400 < openpyxl.load_workbook(path).worksheets[0].row_dimensions[2].height <= 409  # in whole pixels
