"""What a department reads: the drop folder as it sees it ([paths] inbox_shown), a greeting and a
footer naming a person and an address on every mail, the reminder's deadline, proper plurals."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import openpyxl
import pytest

from xlflow.check.model import Submission
from xlflow.config import load_workspace
from xlflow.features.control.intake import _mail_pushed
from xlflow.features.control.moves import Pushed
from xlflow.findings import ERROR, Finding, Report
from xlflow.i18n import msg
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.output.notify import feedback_message, reminder_message
from xlflow.service.scaffold import init_workspace

SHARE = r"\\fileserver\npl-inbox"


def _ws(tmp_path, lang: str, per_department: bool = False):
    ws = init_workspace(tmp_path / f"ws-{lang}", lang, sample=True)
    path = ws.root / "xlflow.toml"
    text = path.read_text("utf-8")
    extra = f"inbox_shown = '{SHARE}'" + ("\nper_department_folders = true" if per_department else "")
    path.write_text(re.sub(r"(?m)^(inbox = .*)$", lambda m: m.group(1) + "\n" + extra, text, count=1), "utf-8")
    return load_workspace(ws.root)


def _text(message) -> str:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    return parsed.get_body(("plain",)).get_content()


def _rejected(tmp_path, ws, lang):
    path = tmp_path / "rd.xlsx"
    path.write_bytes(b"PK")
    sub = Submission(path, "0" * 64, Report([Finding("required", ERROR, "WBS", "E12", "Owner")]), "RD",
                     data=object(), received=dt.datetime(2026, 11, 18, 10, 32))
    return _text(feedback_message(ws, sub, path, lang, has_current=True))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_forms_rejections_and_reminders_name_the_folder_as_departments_see_it(tmp_path, lang):
    ws = _ws(tmp_path, lang)
    assert ws.shown_drop_folder("RD") == SHARE
    rejected = _rejected(tmp_path, ws, lang)
    assert SHARE in rejected and str(ws.folder("inbox")) not in rejected
    reminder = _text(reminder_message(ws, "RD", None, lang, dt.date(2026, 11, 18)))
    assert SHARE in reminder and str(ws.folder("inbox")) not in reminder
    book = generate_workbook(ws, "RD", lang, tmp_path / workbook_name(ws, "RD", lang))
    sheet = openpyxl.load_workbook(book).worksheets[0]
    steps = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert SHARE in steps and str(ws.folder("inbox")) not in steps


def test_with_department_folders_each_is_told_its_own_folder_on_the_share(tmp_path):
    ws = _ws(tmp_path, "en", per_department=True)
    assert ws.shown_drop_folder("MK") == SHARE + "\\MK" and ws.drop_folder("MK") == ws.folder("inbox") / "MK"
    assert SHARE + "\\RD" in _rejected(tmp_path, ws, "en")


@pytest.mark.parametrize("lang, greeting, footer", [
    ("en", "Dear 王磊,", "Sent automatically by xlflow. Questions: 周敏 (PMO), pmo@example.com."),
    ("zh", "王磊，您好：", "如有疑问，请联系项目牵头部门（项目管理办公室）的周敏：pmo@example.com。")])
def test_every_mail_has_a_greeting_and_a_footer_with_a_person_and_an_address(tmp_path, lang, greeting, footer):
    ws = _ws(tmp_path, lang)
    texts = [_rejected(tmp_path, ws, lang), _text(reminder_message(ws, "RD", None, lang, dt.date(2026, 11, 18)))]
    problems = _mail_pushed(ws, "MK", "MK-001", dt.date(2026, 12, 4), dt.date(2026, 12, 11), 5, "unapproved", (),
                            (Pushed("RD-003", "RD", dt.date(2026, 12, 7)),))
    assert problems == []
    (pushed,) = [m for m in ws.folder("outbox").glob("*.eml") if "pushed" in m.read_text("latin-1")]
    texts.append(email.message_from_bytes(pushed.read_bytes(), policy=email.policy.default)
                 .get_body(("plain",)).get_content())
    for text in texts:
        assert text.startswith(greeting) and footer in text, text
    assert "(+5 working days)" in texts[2] or "（+5 个工作日）" in texts[2]


@pytest.mark.parametrize("lang, before, after", [
    ("en", "Please send it by Friday 16:00.", "This week's deadline (Friday 16:00) has passed"),
    ("zh", "请在周五 16:00 前提交。", "本周的截止时间（周五 16:00）已过")])
def test_the_reminder_states_the_deadline(tmp_path, lang, before, after):
    ws = _ws(tmp_path, lang)
    assert before in _text(reminder_message(ws, "RD", None, lang, dt.date(2026, 11, 19)))
    assert after in _text(reminder_message(ws, "RD", None, lang, dt.date(2026, 11, 21)))


def test_english_counts_read_with_proper_plurals():
    assert msg("notify-accepted-warnings", "en", count=1).startswith("There are also 1 warning;")
    assert msg("notify-rejected", "en", file="a.xlsx", received="x", count=2).startswith("a.xlsx, received x, has 2 errors")
    assert msg("validate-summary", "en", count=1, valid=1, invalid=0) == "1 file: 1 valid, 0 not valid."
    assert msg("watch-once-done", "en", count=1) == "Done: 1 file processed."
    from xlflow.i18n import _catalog

    assert not [k for k, e in _catalog().items() if "(s)" in e["en"]]  # no "(s)" left in any English text
