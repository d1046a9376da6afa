"""Generated workbooks, read back with openpyxl: every form, dropdown, hint, validation and lock
is the one the spec declares (the expectations are derived from the spec, not from generate.py)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from xlflow.output.department import generate_workbook
from xlflow.spec import layout
from xlflow.spec.catalog import Field, load_catalog

CATALOG = load_catalog()
EXPECTED_DV = {"date": "date", "percent": "decimal", "integer": "whole", "task_id": "custom",
               "choice": "list", "department": "list", "text": "textLength", "longtext": "textLength",
               "person": "textLength", "task_ids": "textLength"}


def validations_at(sheet, coordinate: str):
    return [dv for dv in sheet.data_validations.dataValidation
            if any(coordinate in CellRange(str(r)) for r in dv.sqref.ranges)]


def find_row(sheet, column: int, text: str) -> int:
    for row in sheet.iter_rows(min_col=column, max_col=column):
        value = row[0].value
        if isinstance(value, str) and value.rstrip(" *") == text:
            return row[0].row
    raise AssertionError(f"{text!r} not found in {sheet.title}")


def check_input_cell(sheet, cell, field: Field, lang: str) -> None:
    assert cell.protection.locked is False, f"{sheet.title}!{cell.coordinate} ({field.key}) must be unlocked"
    dvs = validations_at(sheet, cell.coordinate)
    assert len(dvs) == 1, f"{sheet.title}!{cell.coordinate} ({field.key}) has {len(dvs)} validations"
    dv = dvs[0]
    assert dv.type == EXPECTED_DV[field.type]
    assert dv.allow_blank, "empty optional cells must not be flagged (LibreOffice circles them)"
    assert dv.showErrorMessage and dv.showInputMessage
    assert dv.prompt == field.hint(lang)[:255] and dv.error
    if field.is_input_list:
        key = "department" if field.type == "department" else field.choices
        assert dv.formula1 == f"list_{key}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_form_field_has_the_declared_validation_and_lock(sample_ws, tmp_path, lang):
    path = generate_workbook(sample_ws, "RD", lang, tmp_path / "rd.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [layout.INSTRUCTIONS_SHEET[lang], *(f.sheet(lang) for f in CATALOG.forms),
                             layout.LISTS_SHEET]
    assert wb[layout.LISTS_SHEET].sheet_state == "hidden"
    for form in CATALOG.forms:
        sheet = wb[form.sheet(lang)]
        assert sheet.protection.sheet and not sheet.protection.password
        assert sheet.protection.insertRows is False  # False = "allowed" in openpyxl's inverted flags
        assert sheet["A1"].value == form.title(lang) and sheet["A1"].protection.locked
        for field in form.fields:
            row = find_row(sheet, 1, field.label(lang))
            assert sheet.cell(row, 1).protection.locked
            check_input_cell(sheet, sheet.cell(row, 2), field, lang)
        for table in form.tables:
            columns = table.columns(sample_ws.department_names())
            header = find_row(sheet, 1, table.title(lang)) + 1
            labels = [sheet.cell(header, c + 1).value for c in range(len(columns))]
            assert labels == [f.label(lang) for f in columns]
            assert all(sheet.cell(header, c + 1).protection.locked for c in range(len(columns)))
            excel_table = next(t for t in sheet.tables.values() if t.ref.startswith(f"A{header}:"))
            assert CellRange(excel_table.ref).size["rows"] == table.rows + 1
            for c, field in enumerate(columns, start=1):
                check_input_cell(sheet, sheet.cell(header + 1, c), field, lang)
                check_input_cell(sheet, sheet.cell(header + table.rows, c), field, lang)


def test_wbs_header_carries_the_forms_labels_and_the_department_prefix(sample_ws, tmp_path):
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "MK", "zh", tmp_path / "mk.xlsx"))
    sheet = wb["任务分解表"]
    header = find_row(sheet, 1, "任务编号")
    labels = [c.value for c in sheet[header] if c.value]
    for label in ("任务编号", "任务名称", "负责部门", "负责人", "开始日期", "截止日期", "前置任务", "状态",
                  "完成百分比", "滞后/阻塞原因", "交付物", "备注", "优先级", "实际完成日期"):
        assert label in labels
    (dv,) = validations_at(sheet, f"A{header + 1}")
    assert dv.formula1 == f'LEFT(A{header + 1},3)="MK-"'


def test_department_is_stamped_in_properties_and_defined_names(sample_ws, tmp_path):
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "FN", "en", tmp_path / "renamed.xlsx"))
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[layout.PROP_DEPARTMENT] == "FN" and props[layout.PROP_PROJECT] == "NPL-2026"
    assert props[layout.PROP_SPEC_VERSION] == CATALOG.version and isinstance(props[layout.PROP_SPEC_VERSION], str)
    assert wb.defined_names[layout.NAME_DEPARTMENT].attr_text == '"FN"'
    assert "Finance (FN)" in wb["WBS"]["A2"].value


def test_dropdown_lists_hold_the_labels_of_the_workbook_language(sample_ws, tmp_path):
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "RD", "en", tmp_path / "rd.xlsx"))
    lists = wb[layout.LISTS_SHEET]
    dest = list(wb.defined_names["list_status"].destinations)[0]
    values = [c.value for (c,) in lists[dest[1].replace("$", "")]]
    assert values == ["Not started", "In progress", "Done", "Delayed", "Blocked"]
    dept_dest = list(wb.defined_names["list_department"].destinations)[0]
    assert [c.value for (c,) in lists[dept_dest[1].replace("$", "")]][:2] == ["PMO", "R&D"]


def test_instructions_sheet_has_the_status_legend_in_colour_and_the_drop_folder(sample_ws, tmp_path):
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "RD", "zh", tmp_path / "rd.xlsx"))
    sheet = wb["填写说明"]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert str(sample_ws.folder("inbox")) in text and "pmo@example.com" in text
    fills = {c.value: c.fill.fgColor.rgb for row in sheet.iter_rows() for c in row if c.value in ("已完成", "阻塞")}
    assert fills["已完成"].endswith("C6EFCE") and fills["阻塞"].endswith("FFC7CE")
    assert wb.active.title == "填写说明"


def test_long_instruction_lines_wrap_in_a_row_tall_enough(sample_ws, tmp_path):
    """English steps and sheet descriptions are longer than a line: they were cut off at the
    page edge or ran over the next row (seen in a LibreOffice rendering)."""
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "RD", "en", tmp_path / "rd.xlsx"))
    sheet = wb[layout.INSTRUCTIONS_SHEET["en"]]
    rows = {c.row: c for row in sheet.iter_rows(min_col=2, max_col=3) for c in row if isinstance(c.value, str)}
    long_lines = [c for c in rows.values() if c.value.startswith(("Fill the other forms", "Cells with a dropdown"))
                  or c.value.startswith("Change Request — ")]
    assert len(long_lines) == 3
    for cell in long_lines:
        assert cell.alignment.wrap_text, cell.value
        assert (sheet.row_dimensions[cell.row].height or 15) >= 30, cell.value
    short = next(c for c in rows.values() if c.value.startswith("RACI Matrix — "))
    assert (sheet.row_dimensions[short.row].height or 15) < 30


def test_prefilled_data_keeps_ids_as_text_and_formula_like_text_as_text(sample_ws, tmp_path):
    rows = [{"task_id": "RD-001", "name": "=HYPERLINK(\"http://x\")", "owner_department": "RD", "owner": "王磊",
             "start": dt.date(2026, 9, 1), "due": dt.date(2026, 9, 18), "status": "done", "percent": 100,
             "predecessors": ("MK-001", "FN-002")}]
    path = generate_workbook(sample_ws, "RD", "zh", tmp_path / "rd.xlsx",
                             data={"wbs": {"tables": {"tasks": rows}}})
    wb = openpyxl.load_workbook(path)
    sheet = wb["任务分解表"]
    header = find_row(sheet, 1, "任务编号")
    row = [c for c in sheet[header + 1]]
    assert row[0].value == "RD-001" and row[1].data_type == "s" and row[1].value.startswith("=HYPERLINK")
    assert row[2].value == "研发部" and row[7].value == "已完成" and row[6].value == "MK-001, FN-002"
    assert row[4].value == dt.datetime(2026, 9, 1)


def test_inline_lists_and_messages_respect_excels_limits(sample_ws, tmp_path):
    wb = openpyxl.load_workbook(generate_workbook(sample_ws, "RD", "zh", tmp_path / "rd.xlsx"))
    for sheet in wb.worksheets:
        for dv in sheet.data_validations.dataValidation:
            assert len(dv.formula1 or "") <= 255
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255


def test_percent_cells_take_a_typed_percentage(sample_ws, tmp_path):
    """Typing "50%" in Calc or Excel stores 0.5. In a General cell the application gives it a
    percent format (observed: "0.00%" in LibreOffice 7.4, zh_CN) and it is read back as 50; the
    former "0" format kept 0.5, showed it as "1" and it went to the master as 0.5 %."""
    from xlflow.check.validate import check_file

    path = generate_workbook(sample_ws, "RD", "zh", tmp_path / "rd.xlsx")
    wb = openpyxl.load_workbook(path)
    sheet = wb["任务分解表"]
    header = find_row(sheet, 1, "任务编号")
    col = next(c.column for c in sheet[header] if c.value == "完成百分比")
    first = sheet.cell(header + 1, col)
    assert first.number_format == "General" and first.protection.locked is False
    row = {"任务编号": "RD-001", "任务名称": "原型", "负责部门": "研发部", "负责人": "张三",
           "开始日期": dt.datetime(2026, 11, 2), "截止日期": dt.datetime(2026, 11, 27), "状态": "进行中"}
    for c in sheet[header]:
        if c.value in row:
            sheet.cell(header + 1, c.column, row[c.value])
    sheet.cell(header - 3, 2, dt.datetime(2026, 11, 20))  # the update date, B4
    first.value, first.number_format = 0.5, "0.00%"  # what the application stores for a typed 50%
    wb.save(tmp_path / "typed.xlsx")
    sub = check_file(tmp_path / "typed.xlsx", sample_ws, dt.datetime(2026, 11, 20))
    assert sub.valid, [f.message("en") for f in sub.report.findings]
    assert [r.values["percent"] for r in sub.data.rows("wbs", "tasks")] == [50.0]
