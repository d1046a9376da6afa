"""Composing messages that Outlook, Gmail and Thunderbird show correctly, and the outbox."""
from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header
from pathlib import Path

from xlflow.output.mail import (
    MAX_NAME_CHARS,
    DeliveryResult,
    attachment_name,
    compose,
    deliver,
    recipients,
    render,
    retry_outbox,
)
from xlflow.output.outbox_index import INDEX

# A long subject with spaces on both sides of a dash: what CPython's default policy folds lossily.
SUBJECT = "【智能水壶X1新品上市】第47周进度简报 2026-11-16 ~ 2026-11-22 – 已完成 12 项，滞后 3 项，阻塞 1 项"


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def test_compose_round_trips_subject_names_parts_and_cjk_attachment(sample_ws, tmp_path):
    xlsx = tmp_path / "项目总表_第47周.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 not really a workbook")
    message = compose(sample_ws, SUBJECT, "正文 text & <b>", "<p>正文 &amp; html</p>",
                      ["研发部 王磊 <rd@example.com>", "mk@example.com", "RD@example.com"], [xlsx],
                      sender="项目协调组 <pmo@example.com>")
    data = message.as_bytes()
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header 7-bit
    subject_lines = head[head.index("Subject:"):].split("\r\n")
    subject_lines = subject_lines[:1] + [line for line in subject_lines[1:] if line.startswith(" ")]
    assert len(subject_lines) > 1 and all(len(line) <= 78 for line in subject_lines)  # RFC 2047 words, folded

    got = parse(data)
    assert got["Subject"] == SUBJECT
    assert str(make_header(decode_header(email.message_from_bytes(data)["Subject"]))) == SUBJECT  # compat32 too
    assert got["From"].addresses[0].display_name == "项目协调组"
    assert [a.addr_spec for a in got["To"].addresses] == ["rd@example.com", "mk@example.com"]  # duplicates dropped
    assert got["To"].addresses[0].display_name == "研发部 王磊"
    assert got["Date"] and got["Message-ID"].endswith("@example.com>")
    assert got.get_content_type() == "multipart/mixed"
    assert got.get_body(("plain",)).get_content().startswith("正文 text & <b>")
    assert got.get_body(("html",)).get_content().startswith("<p>正文 &amp; html</p>")
    assert [p.get_content_type() for p in got.walk()][1:4] == ["multipart/alternative", "text/plain", "text/html"]
    (att,) = list(got.iter_attachments())
    assert att.get_filename() == "项目总表_第47周.xlsx"
    assert att.get_content() == xlsx.read_bytes()
    assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # both encodings of the name: RFC 2231 filename* and the RFC 2047 name= that Outlook reads
    assert b"filename*=utf-8''%E9%A1%B9%E7%9B%AE" in data
    assert b'name="=?utf-8?B?6aG555uu5oC76KGoX' in data
    assert recipients(message) == ("rd@example.com", "mk@example.com")


def test_attachment_over_the_limit_becomes_a_path_line(sample_ws, tmp_path):
    import dataclasses

    ws = dataclasses.replace(sample_ws, email=dataclasses.replace(sample_ws.email, max_attachment_mb=0.01))
    small, big = tmp_path / "small.txt", tmp_path / "总表.xlsx"
    small.write_bytes(b"x" * 2000)
    big.write_bytes(b"y" * 20000)
    got = parse(compose(ws, "s", "body", "<html><body><p>body</p></body></html>", ["a@example.com"],
                        [small, big], lang="en").as_bytes())
    assert [a.get_filename() for a in got.iter_attachments()] == ["small.txt"]
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "总表.xlsx" in text and str(big.resolve()) in text and "0.01 MB" in text
    assert str(big.resolve()) in html and html.rstrip().endswith("</body></html>")


def test_long_attachment_names_are_shortened_keeping_the_extension(tmp_path):
    path = tmp_path / ("很长的文件名" * 20 + ".xlsx")
    name = attachment_name(path)
    assert len(name) == MAX_NAME_CHARS and name.endswith("….xlsx")
    assert attachment_name(tmp_path / "RD.xlsx") == "RD.xlsx"


def test_outbox_is_the_default_and_needs_no_server(sample_ws):
    message = compose(sample_ws, SUBJECT, "text", None, ["rd@example.com"], kind="brief-2026-W47")
    result = deliver(sample_ws, message, send=False)
    assert isinstance(result, DeliveryResult) and not result.sent and result.note == "mail-not-sent"
    assert result.eml.parent == sample_ws.folder("outbox") and "brief-2026-W47" in result.eml.name
    stored = parse(result.eml.read_bytes())
    assert stored["X-Unsent"] == "1" and stored["Subject"] == SUBJECT  # Outlook opens it as a draft
    # no temp file left behind (the index of the queue's identities is no temp file: output/outbox_index.py)
    assert [p.name for p in sample_ws.folder("outbox").glob(".*")] == [INDEX]

    # --send without a configured server: still only the outbox, and it says why
    result = deliver(sample_ws, message, send=True)
    assert not result.sent and result.note == "mail-not-configured" and result.eml.is_file()
    assert retry_outbox(sample_ws).sent[0].note == "mail-not-configured"
    assert len(list(sample_ws.folder("outbox").glob("*.eml"))) == 1  # the second copy replaced the first


def test_html_templates_autoescape_and_text_templates_do_not(sample_ws):
    evil = "<script>alert(1)</script> R&D"
    html = render(sample_ws, "reminder.html.j2", "zh", greeting=evil, body="b", attached="", project="P",
                  title="T", lead="L")
    text = render(sample_ws, "reminder.txt.j2", "zh", greeting=evil, body="b", attached="", project="P",
                  title="T", lead="L")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D" in html
    assert evil in text


def test_a_workspace_template_overrides_the_shipped_one(sample_ws):
    (sample_ws.root / "templates").mkdir()
    (sample_ws.root / "templates" / "reminder.txt.j2").write_text("自定义 {{ greeting }} {{ t('brief-none') }}",
                                                                   "utf-8")
    out = render(sample_ws, "reminder.txt.j2", "en", greeting="Hi", body="", attached="", project="P",
                 title="T", lead="L")
    assert out == "自定义 Hi None"
    assert "<!DOCTYPE html>" in render(sample_ws, "reminder.html.j2", "en", greeting="Hi", body="", attached="",
                                       project="P", title="T", lead="L")


def test_every_message_key_used_by_mail_summary_and_notify_exists_in_both_languages():
    import re

    import xlflow
    from xlflow.i18n import _catalog

    root = Path(xlflow.__file__).parent
    sources = [root / n for n in ("output/mail.py", "output/notify.py", "cli/summary.py", "service/weekly.py",
                                  "workdays.py")]
    sources += sorted((root / "output" / "brief").glob("*.py"))
    sources += sorted((root / "output" / "templates").glob("*.j2"))
    keys = set()
    for path in sources:
        keys |= set(re.findall(r'(?:\bt|msg|Error)\(\s*"([a-z][a-z0-9_-]*[a-z0-9])"', path.read_text("utf-8")))
    keys |= {f"brief-{kind}-{key}" for kind in ("section", "hint")
             for key in ("finished", "newly", "still", "overdue", "due_soon", "slips", "stale", "held_up")}
    keys |= {"brief-decision-blocked", "brief-decision-risk", "notify-subject-accepted", "notify-subject-rejected",
             "notify-subject-duplicate", "mail-not-sent", "mail-not-configured"}
    assert len(keys) > 80  # the scan found the templates' keys
    catalog = _catalog()
    missing = sorted(k for k in keys if k not in catalog or not {"zh", "en"} <= set(catalog[k]))
    assert missing == []
