"""Feedback e-mails to the submitter (accepted / rejected with findings and the annotated copy),
and reminders; checked by parsing the .eml written to the outbox."""
from __future__ import annotations

import datetime as dt
import email
import email.policy

from xlflow.check.model import Submission
from xlflow.findings import ERROR, WARNING, Finding, Report
from xlflow.output.mail import deliver
from xlflow.output.notify import (
    MAX_FINDINGS,
    feedback,
    feedback_message,
    reminder_message,
)

RECEIVED = dt.datetime(2026, 11, 18, 10, 32)


def parse(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def submission(tmp_path, findings, department="RD") -> Submission:
    path = tmp_path / "staged-1234.xlsx"
    path.write_bytes(b"PK")
    return Submission(path, "0" * 64, Report(list(findings)), department, data=object(), received=RECEIVED)


def test_rejected_lists_the_findings_and_attaches_the_annotated_copy(sample_ws, tmp_path):
    findings = [Finding("required", ERROR, "任务分解表", "E12", "负责人"),
                Finding("reason-required", ERROR, "任务分解表", "J9", "滞后/阻塞原因", None, {"status": "滞后"}),
                Finding("required", WARNING, "任务分解表", "B3", "<b>更新日期</b> & 备注")]
    copy = tmp_path / "研发部_标注副本.xlsx"
    copy.write_bytes(b"PK\x03\x04 annotated")
    m = parse(feedback_message(sample_ws, submission(tmp_path, findings), copy, "zh", version=None,
                               file_name="研发部周报.xlsx"))
    assert m["Subject"] == "【智能水壶X1新品上市】未通过校验，请修改后重新提交：研发部周报.xlsx"
    assert [a.addr_spec for a in m["To"].addresses] == ["rd@example.com"]
    text = m.get_body(("plain",)).get_content()
    assert text.startswith("王磊，您好：")
    assert "2026-11-18 10:32 提交的研发部周报.xlsx 有 2 处错误" in text
    assert "- 任务分解表!E12：“负责人”是必填项，但单元格 E12 为空。请填写。" in text
    assert "- 任务分解表!J9：状态为“滞后”时必须填写“滞后/阻塞原因”（J9）。" in text
    assert "另有 1 条提示" in text and "附件是标注了问题的副本" in text
    html = m.get_body(("html",)).get_content()
    assert "&lt;b&gt;更新日期&lt;/b&gt; &amp; 备注" in html and "<b>更新日期</b>" not in html
    (att,) = m.iter_attachments()
    assert att.get_filename() == "研发部周报-feedback.xlsx" and att.get_content() == copy.read_bytes()  # its own name


def test_accepted_with_version_in_english(sample_ws, tmp_path):
    sub = submission(tmp_path, [Finding("required", WARNING, "WBS", "B3", "Update date")])
    assert sub.valid
    m = parse(feedback_message(sample_ws, sub, None, "en", version=3))
    assert m["Subject"] == "[Smart Kettle X1 Launch] Accepted: staged-1234.xlsx from R&D"
    text = m.get_body(("plain",)).get_content()
    assert "was accepted (version 3)" in text and "1 warning;" in text and "- WBS!B3:" in text
    assert list(m.iter_attachments()) == []
    assert "R&amp;D" in m.get_body(("html",)).get_content()


def test_many_findings_are_cut_and_unknown_senders_go_to_the_coordinator(sample_ws, tmp_path):
    findings = [Finding("required", ERROR, "WBS", f"E{n}", "Owner") for n in range(MAX_FINDINGS + 7)]
    message = feedback(sample_ws, "mystery.xlsx", None, "unreadable", Report(findings), [], lang="en",
                       received="2026-11-18 10:32")
    m = parse(message)
    assert [a.addr_spec for a in m["To"].addresses] == ["pmo@example.com"]
    text = m.get_body(("plain",)).get_content()
    assert text.count("- WBS!E") == MAX_FINDINGS and "…and 7 more" in text
    assert m["Subject"] == "[Smart Kettle X1 Launch] Not accepted, please correct and resend: mystery.xlsx"
    result = deliver(sample_ws, message, send=False)
    assert "feedback-unknown-rejected" in result.eml.name


def test_duplicate(sample_ws):
    m = parse(feedback(sample_ws, "rd.xlsx", "RD", "duplicate", Report(), [], received="2026-11-18 10:32"))
    assert m["Subject"] == "【智能水壶X1新品上市】重复提交：rd.xlsx"
    assert "内容完全相同" in m.get_body(("plain",)).get_content()


def test_reminder_message(sample_ws, tmp_path):
    blank = tmp_path / "NPL-2026_CS_客服部.xlsx"
    blank.write_bytes(b"PK")
    m = parse(reminder_message(sample_ws, "CS", blank, "zh", dt.date(2026, 11, 20)))
    assert m["Subject"] == "【智能水壶X1新品上市】提醒：请提交第47周的任务更新"
    assert [a.addr_spec for a in m["To"].addresses] == ["service@example.com"]
    text = m.get_body(("plain",)).get_content()
    assert "陈静，您好" in text and "客服部本周（2026-11-16 ~ 2026-11-22）" in text and "空白" in text
    assert [a.get_filename() for a in m.iter_attachments()] == ["NPL-2026_CS_客服部.xlsx"]
