"""The feedback copy goes round: a department fixes the annotated copy (in openpyxl, or re-saved by
LibreOffice) and drops it again; clean_copy gives back its own workbook with the fixes and without
anything xlflow added (findings sheet, fills, comments, stamp). Also the rejection mail's wording."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Color, PatternFill
from openpyxl.xml.functions import tostring

from libreoffice import convert, type_into
from validate_helpers import fill, task
from xlflow.check.model import Submission
from xlflow.check.validate import check_file, task_rows
from xlflow.findings import ERROR, Finding, Report
from xlflow.i18n import msg
from xlflow.output.notify import feedback, feedback_message, write_feedback_copy
from xlflow.spec import layout
from xlflow.xlsx import feedback as fb, package
from xlflow.xlsx.feedback import clean_copy

SHEET = "任务分解表"
MISTAKES = [task(1), task(2, status="滞后"), task(3, status="完成了"), task(4, percent=150)]
FIXES = {"J9": "设计资源不足", "H10": "进行中", "I11": 60}  # reason-required, bad-enum, percent out of range


def kind(path) -> str | None:
    return {p.name: p.value for p in openpyxl.load_workbook(path).custom_doc_props}.get(layout.PROP_KIND)


@pytest.fixture
def rejected(sample_ws, blank_workbook, tmp_path):
    """(workspace, blank generated workbook, the filled one with mistakes, its check, its feedback copy)."""
    blank = blank_workbook("RD", "zh")
    filled = fill(sample_ws, blank, tmp_path / "filled.xlsx",
                  {"wbs": {"card": {"update_date": dt.date(2026, 11, 20)}, "tables": {"tasks": MISTAKES}}})
    sub = check_file(filled, sample_ws)
    copy = write_feedback_copy(sub, tmp_path / "copy" / "feedback.xlsx", "zh")
    return sample_ws, blank, filled, sub, copy


def fill_of(cell) -> bytes:
    """A cell's fill as OOXML (cell.fill is a style proxy, which compares unequal to another proxy)."""
    return tostring(cell.fill.to_tree())


def marked(sub) -> set[str]:
    return {f.cell for f in sub.report.findings if f.sheet == SHEET and f.cell}


def fix(copy, dst, fixes=FIXES):
    wb = openpyxl.load_workbook(copy)
    for ref, value in fixes.items():
        wb[SHEET][ref].value = value
    wb.save(dst)
    return dst


def assert_clean(cleaned, blank, cells, fixed_sub, ws):
    wb, orig = openpyxl.load_workbook(cleaned), openpyxl.load_workbook(blank)
    assert layout.FEEDBACK_SHEET not in wb.sheetnames and wb.sheetnames == orig.sheetnames
    assert wb.active.title == orig.active.title
    for ref in cells:
        got, want = wb[SHEET][ref], orig[SHEET][ref]
        assert fill_of(got) == fill_of(want), ref
        assert (got.comment and (got.comment.text, got.comment.author)) == \
               (want.comment and (want.comment.text, want.comment.author)), ref
    for ref, value in FIXES.items():
        assert wb[SHEET][ref].value == value
    assert kind(cleaned) == "department-workbook"
    again = check_file(cleaned, ws)
    assert again.valid and again.report.findings == [] and again.department == "RD"
    assert [r.values for r in task_rows(again)] == [r.values for r in task_rows(fixed_sub)]


def test_the_mistakes_are_marked(rejected):
    _, _, _, sub, copy = rejected
    assert marked(sub) == set(FIXES) and not sub.valid
    wb = openpyxl.load_workbook(copy)
    record = wb[layout.FEEDBACK_SHEET]
    assert record["J1"].value == fb.RECORD_MARK and record.column_dimensions["J"].hidden
    assert all(wb[SHEET][ref].comment.author == "xlflow" for ref in FIXES)


def test_fixed_in_openpyxl_then_cleaned(rejected, tmp_path):
    ws, blank, _, _, copy = rejected
    fixed = fix(copy, tmp_path / "fixed.xlsx")
    fixed_sub = check_file(fixed, ws)
    assert fixed_sub.valid
    assert clean_copy(fixed, tmp_path / "clean.xlsx")
    assert_clean(tmp_path / "clean.xlsx", blank, FIXES, fixed_sub, ws)


def test_fixed_and_resaved_in_libreoffice_then_cleaned(rejected, tmp_path):
    """LibreOffice rewrites styles, comment authors and the custom properties; the record in the
    hidden columns of the findings sheet survives it."""
    ws, blank, _, _, copy = rejected
    resaved = convert(fix(copy, tmp_path / "fixed.xlsx"), "xlsx", tmp_path / "lo")
    assert openpyxl.load_workbook(resaved)[SHEET]["J9"].comment.author != "xlflow"  # LibreOffice's doing
    fixed_sub = check_file(resaved, ws)
    assert fixed_sub.valid
    assert clean_copy(resaved, tmp_path / "clean.xlsx")
    assert_clean(tmp_path / "clean.xlsx", blank, FIXES, fixed_sub, ws)


def test_fixed_by_typing_in_libreoffice_then_cleaned(rejected, tmp_path):
    """The department opens the copy in Calc, types the fixes and saves it."""
    ws, blank, _, _, copy = rejected
    typed = type_into(copy, {f"{SHEET}!{ref}": str(value) for ref, value in FIXES.items()}, tmp_path / "typed.xlsx")
    fixed_sub = check_file(typed, ws)
    assert fixed_sub.valid, fixed_sub.report.findings
    assert clean_copy(typed, tmp_path / "clean.xlsx")
    assert_clean(tmp_path / "clean.xlsx", blank, FIXES, fixed_sub, ws)


def test_the_departments_own_comment_and_fills_are_given_back(sample_ws, blank_workbook, tmp_path):
    """Fills in theme colours with a tint, or patterned with two colours, come back exactly, through
    a LibreOffice re-save; so does a comment xlflow appended to."""
    blank = blank_workbook("RD", "zh")
    filled = fill(sample_ws, blank, tmp_path / "filled.xlsx",
                  {"wbs": {"card": {"update_date": dt.date(2026, 11, 20)}, "tables": {"tasks": MISTAKES}}})
    wb = openpyxl.load_workbook(filled)
    wb[SHEET]["J9"].comment = Comment("原因待确认", "王磊")
    wb[SHEET]["J9"].fill = PatternFill("solid", fgColor=Color(theme=4, tint=0.5999938962981048))
    wb[SHEET]["H10"].fill = PatternFill("lightGray", fgColor="FFFF0000", bgColor=Color(indexed=11))
    wb.save(filled)
    own = openpyxl.load_workbook(filled)[SHEET]
    copy = write_feedback_copy(check_file(filled, sample_ws), tmp_path / "copy.xlsx", "en")
    comment = openpyxl.load_workbook(copy)[SHEET]["J9"].comment
    assert comment.text.startswith("原因待确认\n[reason-required]") and comment.author == "xlflow"
    assert fill_of(openpyxl.load_workbook(copy)[SHEET]["J9"]) != fill_of(own["J9"])
    resaved = convert(fix(copy, tmp_path / "fixed.xlsx"), "xlsx", tmp_path / "lo")
    assert clean_copy(resaved, tmp_path / "clean.xlsx")
    back = openpyxl.load_workbook(tmp_path / "clean.xlsx")[SHEET]
    assert (back["J9"].comment.text, back["J9"].comment.author) == ("原因待确认", "王磊")
    assert back["H10"].comment is None and back["J9"].value == "设计资源不足"
    assert [fill_of(back[ref]) for ref in ("J9", "H10")] == [fill_of(own[ref]) for ref in ("J9", "H10")]


def test_what_the_user_changed_in_a_mark_stays(rejected, tmp_path):
    ws, blank, _, _, copy = rejected
    wb = openpyxl.load_workbook(copy)
    wb[SHEET]["J9"].value = "设计资源不足"
    wb[SHEET]["J9"].comment = Comment("已补充原因", "王磊")  # the department answers in the comment
    wb[SHEET]["H10"].comment = None
    wb.save(tmp_path / "edited.xlsx")
    assert clean_copy(tmp_path / "edited.xlsx", tmp_path / "clean.xlsx")
    back, orig = openpyxl.load_workbook(tmp_path / "clean.xlsx")[SHEET], openpyxl.load_workbook(blank)[SHEET]
    assert back["J9"].comment.text == "已补充原因" and back["H10"].comment is None
    assert fill_of(back["J9"]) == fill_of(orig["J9"]) and fill_of(back["H10"]) == fill_of(orig["H10"])


def test_a_copy_of_a_copy_still_knows_the_original_fills(rejected, tmp_path):
    """A resubmitted copy that still has mistakes is annotated again: the record keeps the
    department's own fills, not the red of the first round."""
    ws, blank, _, _, copy = rejected
    half = fix(copy, tmp_path / "half.xlsx", {"J9": "设计资源不足"})
    second = write_feedback_copy(check_file(half, ws), tmp_path / "second.xlsx", "zh")
    fixed = fix(second, tmp_path / "fixed.xlsx")
    assert clean_copy(fixed, tmp_path / "clean.xlsx")
    assert_clean(tmp_path / "clean.xlsx", blank, FIXES, check_file(fixed, ws), ws)


def test_not_a_feedback_copy(rejected, tmp_path):
    _, blank, filled, _, _ = rejected
    for plain in (blank, filled):
        assert clean_copy(plain, tmp_path / "out.xlsx") is False
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert clean_copy(bad, tmp_path / "out.xlsx") is False
    assert not (tmp_path / "out.xlsx").exists()


def test_a_stamp_without_findings_sheet_is_still_cleaned(rejected, tmp_path):
    _, _, _, _, copy = rejected
    wb = openpyxl.load_workbook(copy)
    del wb[layout.FEEDBACK_SHEET]  # the department deleted it; the stamp still says what it is
    wb.save(tmp_path / "nosheet.xlsx")
    assert clean_copy(tmp_path / "nosheet.xlsx", tmp_path / "clean.xlsx")
    assert kind(tmp_path / "clean.xlsx") == "department-workbook"


def test_oversized_files_are_refused(rejected, tmp_path, monkeypatch):
    _, _, _, _, copy = rejected
    with zipfile.ZipFile(copy) as zf:
        declared = sum(i.file_size for i in zf.infolist())
    monkeypatch.setattr(package, "MAX_UNCOMPRESSED", declared - 1)
    assert clean_copy(copy, tmp_path / "out.xlsx") is False and not (tmp_path / "out.xlsx").exists()
    monkeypatch.undo()
    monkeypatch.setattr(fb, "MAX_FILE_BYTES", copy.stat().st_size - 1)
    assert clean_copy(copy, tmp_path / "out.xlsx") is False and not (tmp_path / "out.xlsx").exists()


# -- the rejection mail ---------------------------------------------------------------------------
def body(message) -> str:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_rejection_does_not_promise_a_last_version(sample_ws, lang):
    report = Report([Finding("reason-required", ERROR, SHEET, "J9", "滞后/阻塞原因", None, {"status": "滞后"})])
    first = body(feedback(sample_ws, "研发部.xlsx", "RD", "rejected", report, [], received="2026-11-18 10:32",
                          lang=lang, has_current=False))
    later = body(feedback(sample_ws, "研发部.xlsx", "RD", "rejected", report, [], received="2026-11-18 10:32",
                          lang=lang))
    params = {"file": "研发部.xlsx", "received": "2026-11-18 10:32", "count": 1}
    assert msg("notify-rejected-first", lang, **params) in first and msg("notify-rejected", lang, **params) not in first
    assert msg("notify-rejected", lang, **params) in later


def test_feedback_message_passes_has_current(sample_ws, tmp_path):
    path = tmp_path / "staged.xlsx"
    path.write_bytes(b"PK")
    sub = Submission(path, "0" * 64, Report([Finding("required", ERROR, SHEET, "E12", "负责人")]), "RD",
                     data=object(), received=dt.datetime(2026, 11, 18, 10, 32))
    assert "还没有贵部门的任何数据" in body(feedback_message(sample_ws, sub, None, "zh", has_current=False))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_mail_and_copy_give_the_same_instruction(rejected, lang):
    """Both say: fix this copy and submit it again (the copy's findings sheet would be dropped,
    not the marks kept); neither says to fix the original instead."""
    ws, _, _, sub, copy = rejected
    text = body(feedback(ws, "研发部.xlsx", "RD", "rejected", sub.report, [copy], lang=lang))
    mail = msg("notify-annotated", lang, folder=ws.drop_folder("RD"))
    assert mail in text
    verdict = msg("feedback-verdict-invalid", lang, errors=3, warnings=0)
    note = msg("feedback-note", lang)
    if lang == "zh":
        assert "此副本" in mail and "重新放入共享收件文件夹" in mail and str(ws.folder("inbox")) in mail and "重新提交此文件" in verdict
        assert "原文件" not in mail and "忽略" in note
    else:
        assert "in this copy" in mail and f"shared folder {ws.folder('inbox')} again" in mail and "submit this file again" in verdict
        assert "your own file" not in mail and "ignored when you resubmit" in note
