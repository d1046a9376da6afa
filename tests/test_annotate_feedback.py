"""The feedback copy: highlighted, commented cells and a findings sheet with links; the form keeps
working (validations, protection, lists) — also after a LibreOffice re-save — and re-validates the same."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from libreoffice import convert
from validate_helpers import filled_workbook, task
from xlflow.check.validate import check_file, task_rows
from xlflow.output.notify import write_feedback_copy
from xlflow.spec import layout

UPDATE = {"update_date": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("annotate")
    ws, blank, filled = filled_workbook(root, [task(1), task(2, status="滞后"),
                                               task(3, status="完成了", name="=cmd|' /C calc'!A0")])
    return ws, blank, filled, root


def codes(sub):
    return sorted((f.code, f.sheet, f.cell) for f in sub.report.findings)


def structure(path):
    wb = openpyxl.load_workbook(path)
    sheet = wb["任务分解表"]
    return {"validations": len(sheet.data_validations.dataValidation), "protected": bool(sheet.protection.sheet),
            "lists_hidden": wb[layout.LISTS_SHEET].sheet_state, "names": "list_status" in wb.defined_names}


def test_feedback_copy_marks_cells_and_lists_findings(env):
    ws, _, filled, root = env
    before = filled.read_bytes()
    sub = check_file(filled, ws)
    assert codes(sub) == sorted([("external-formula", "任务分解表", "B10"), ("bad-enum", "任务分解表", "H10"),
                          ("reason-required", "任务分解表", "J9")])
    out = write_feedback_copy(sub, root / "out" / "feedback.xlsx", "zh")
    assert filled.read_bytes() == before
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == layout.FEEDBACK_SHEET
    sheet = wb["任务分解表"]
    assert "reason-required" in sheet["J9"].comment.text and sheet["J9"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "完成了" in sheet["H10"].comment.text
    summary = wb[layout.FEEDBACK_SHEET]
    # listed in reading order: J9, B10, H10
    assert summary["C6"].value == "J9" and summary["C6"].hyperlink.location == "'任务分解表'!J9"
    assert summary["B8"].value == "任务分解表" and summary["G8"].value == "bad-enum"
    assert summary["E7"].value.startswith("=cmd") and summary["E7"].data_type == "s" and summary["E7"].quotePrefix
    assert {p.name: p.value for p in wb.custom_doc_props}[layout.PROP_KIND] == "feedback-copy"
    assert structure(out) == structure(filled)


def test_feedback_copy_revalidates_identically(env):
    ws, _, filled, root = env
    sub = check_file(filled, ws)
    out = write_feedback_copy(sub, root / "again.xlsx", "en")
    again = check_file(out, ws)
    assert codes(again) == codes(sub) and again.department == "RD"


def test_fixed_feedback_copy_becomes_valid(env):
    ws, _, filled, root = env
    out = write_feedback_copy(check_file(filled, ws), root / "tofix.xlsx", "zh")
    wb = openpyxl.load_workbook(out)
    wb["任务分解表"]["J9"].value = "设计资源不足"
    wb["任务分解表"]["H10"].value = "进行中"
    wb["任务分解表"]["B10"].value = "样机测试"
    wb.save(root / "fixed.xlsx")
    fixed = check_file(root / "fixed.xlsx", ws)
    assert fixed.valid and fixed.report.findings == [] and len(task_rows(fixed)) == 3


def test_unreadable_file_has_no_copy(env, tmp_path):
    ws = env[0]
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook at all")
    assert write_feedback_copy(check_file(bad, ws), tmp_path / "fb.xlsx", "zh") is None
    assert not (tmp_path / "fb.xlsx").exists()


def test_libreoffice_resave_keeps_form_and_findings(env, tmp_path):
    ws, _, filled, root = env
    sub = check_file(filled, ws)
    resaved = convert(filled, "xlsx", tmp_path / "lo_filled")
    again = check_file(resaved, ws)
    assert codes(again) == codes(sub)
    assert [r.values for r in task_rows(again)] == [r.values for r in task_rows(sub)]
    copy = write_feedback_copy(sub, tmp_path / "copy" / "feedback.xlsx", "zh")
    copy_resaved = convert(copy, "xlsx", tmp_path / "lo_copy")
    assert codes(check_file(copy_resaved, ws)) == codes(sub)
    kept = structure(copy_resaved)
    assert kept["protected"] and kept["names"] and kept["lists_hidden"] == "hidden"
    assert kept["validations"] >= structure(filled)["validations"] - 1


def test_the_summary_lists_errors_before_warnings_and_shows_the_empty_reason(env):
    from xlflow.findings import WARNING, Finding

    ws, _, filled, root = env
    sub = check_file(filled, ws)
    sub.report.findings.insert(0, Finding("required", WARNING, "任务分解表", "B4", "更新日期"))  # first by cell
    wb = openpyxl.load_workbook(write_feedback_copy(sub, root / "sorted.xlsx", "zh"))
    summary = wb[layout.FEEDBACK_SHEET]
    rows = [[c.value for c in row] for row in summary.iter_rows(min_row=6, max_col=7) if row[0].value]
    severities = [r[0] for r in rows]
    assert severities == sorted(severities, key=lambda s: s != "错误") and severities[-1] != "错误"
    (reason,) = [r for r in rows if r[6] == "reason-required"]
    assert reason[4] in (None, "") and "“滞后”" in reason[5]  # Value: the empty reason; the status is in the text
