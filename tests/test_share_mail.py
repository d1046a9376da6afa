"""The weekly department mails: each department its slice and calendar, its own numbers, sent over a
real SMTP server on 127.0.0.1 and recorded, so `xlflow share log` answers "who saw this"."""
from __future__ import annotations

import hashlib

from click.testing import CliRunner

from mail_helpers import SMTPServer, with_smtp
from share_helpers import SECRETS, hits, make_ws, sample_week
from xlflow.cli import main
from xlflow.share.mail import send_department_mails


def _attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_each_department_gets_its_slice_and_calendar_and_the_log_says_so(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws", "zh")
    with SMTPServer(*tls_cert, security="none") as server:
        result = send_department_mails(with_smtp(ws, server), sample_week(), send=True)
    assert result.errors == [] and result.skipped == [] and result.folded == ["PMO", "RD", "MK"]
    by_to = {tuple(r.rcpt_tos): r.message for r in server.received}
    # each department's mail is its weekly brief; PMO's contact has the coordinators' brief, with the master
    assert set(by_to) == {("rd@example.com",), ("mk@example.com",)}
    rd = by_to[("rd@example.com",)]
    assert str(rd["X-Xlflow-Identity"]) == "brief-2026-W47:RD"
    files = _attachments(rd)
    assert sorted(files) == ["RD.ics", "TP-1-RD-2026-W47.xlsx"]
    body = rd.get_body(("plain",)).get_content()
    assert "- 任务总数: 2 " in body and "附件为贵部门的切片 TP-1-RD-2026-W47.xlsx" in body
    mk = _attachments(by_to[("mk@example.com",)])
    (tmp_path / "mk.xlsx").write_bytes(mk["TP-1-MK-2026-W47.xlsx"])
    assert hits(tmp_path / "mk.xlsx", ["RD-001", "王磊", "供应商延迟"]) == []
    assert not any(s in files["RD.ics"] for s in SECRETS)  # the calendar is text

    sha = hashlib.sha256(files["TP-1-RD-2026-W47.xlsx"]).hexdigest()
    out = CliRunner().invoke(main, ["share", "log", "-w", str(ws.root), "--sha", sha[:12]])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 2 and "RD → rd@example.com" in lines[1] and "TP-1-RD-2026-W47.xlsx" in lines[1]
    assert sha[:16] in lines[1] and "2026-W47" in lines[1]
    everyone = CliRunner().invoke(main, ["share", "log", "-w", str(ws.root), "--lang", "en"]).output
    assert everyone.count("sha256") == 4 and everyone.startswith("Slices mailed")
    assert everyone.count("  sent 20") == 4  # the server took them: sent, not only queued


def test_a_department_without_an_address_is_skipped_and_the_rest_wait_in_the_outbox(tmp_path):
    ws = make_ws(tmp_path / "ws", "en", sharing="""
[[sharing.rows]]
content = ["own_tasks", "linked_tasks"]
audience = ["departments", "ceo@example.com"]
department = "MK"
format = "mail"
frequency = "weekly"
""")
    ws.root.joinpath("xlflow.toml").write_text(ws.root.joinpath("xlflow.toml").read_text("utf-8")
                                               .replace('email = "pmo@example.com"\n', ""), "utf-8")
    from xlflow.config import load_workspace

    ws = load_workspace(ws.root)
    result = send_department_mails(ws, sample_week(), send=False)
    assert result.skipped == ["PMO"]
    emls = sorted(p.name for p in (ws.root / "outbox").glob("*.eml"))
    assert len(emls) == 3  # RD, MK and the named recipient with MK's slice
    assert (ws.root / "slices" / "extra" / "ceo_40example.com" / "TP-1-MK-2026-W47.xlsx").is_file()
    assert not (ws.root / "slices" / "PMO").exists()


def test_a_named_recipient_of_the_milestones_gets_only_them(tmp_path):
    import icalendar
    import openpyxl

    ws = make_ws(tmp_path / "ws", "en", sharing="""
[[sharing.rows]]
content = "milestones"
audience = "ceo@example.com"
format = "mail"
frequency = "weekly"
""")
    result = send_department_mails(ws, sample_week(), send=False)
    assert len(result.deliveries) == 1 and result.deliveries[0].recipients == ("ceo@example.com",)
    folder = ws.root / "slices" / "extra" / "ceo_40example.com"
    book = folder / "TP-1-project-2026-W47.xlsx"
    assert [s.title for s in openpyxl.load_workbook(book).worksheets] == ["Overview", "Milestones"]
    assert hits(book, ["RD-001", "MK-003", "王磊", "样机评审"]) == []
    events = icalendar.Calendar.from_ical((folder / "project.ics").read_bytes()).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Milestone: 新品发布会"]
