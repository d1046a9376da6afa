"""The brief from a workspace: state database in, reports/ and outbox/ out; the command; the
schedule the watcher follows; reminders; HTML escaping of department text."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import pytest
from click.testing import CliRunner

from brief_helpers import AS_OF, EVIL, D, record, risks
from mail_helpers import PASSWORD, SMTPServer
from xlflow.cli import main
from xlflow.output.mail import PASSWORD_ENV
from xlflow.service.weekly import (
    make_brief,
    run_schedule,
    send_reminders,
    send_weekly_brief,
)
from xlflow.store.state import StateDB

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def ws(sample_ws):
    """The sample workspace with three weeks of merges and a master workbook in master/."""
    master = sample_ws.folder("master") / "NPL-2026-master.xlsx"
    master.parent.mkdir(parents=True, exist_ok=True)
    master.write_bytes(b"PK\x03\x04 master workbook bytes")
    record(StateDB(sample_ws.state_db), str(master))
    return sample_ws


def eml(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_brief_from_the_state_database(ws):
    b = make_brief(ws, AS_OF, risks=risks())
    assert (b.snapshot_date, b.previous_date) == (AS_OF, D(2026, 11, 13))
    assert [m.code for m in b.missing] == ["MK", "CS", "FN"]
    assert [i.task_id for i in b.section("stale").items] == ["MK-001", "CS-001"]
    # a past week's brief sees that week's data, not today's
    past = make_brief(ws, D(2026, 11, 13), risks=[])
    assert (past.snapshot_date, past.previous_date, past.week.number) == (D(2026, 11, 13), D(2026, 11, 6), 46)
    assert [m.code for m in past.missing] == ["PMO", "RD", "SA", "MF", "CS", "FN"]  # only MK sent in week 46


def test_high_impact_risks_come_from_the_accepted_workbooks(ws):
    from xlflow.output.department import generate_workbook

    row = {"issue_id": "RD-R01", "kind": "risk", "description": "芯片供货 <风险>", "raised_by": "RD",
           "raised_date": D(2026, 11, 18), "impact": "high", "owner": "王磊", "status": "open"}
    log = [row, {**row, "issue_id": "RD-R02", "impact": "low"}, {**row, "issue_id": "RD-R03", "status": "closed"}]
    generate_workbook(ws, "RD", "zh", ws.folder("accepted") / "RD.xlsx", data={"issues": {"tables": {"log": log}}})
    b = make_brief(ws, AS_OF)
    assert [(d.kind, d.ref, d.text, d.owner) for d in b.decisions] == [
        ("blocked", "RD-002", EVIL, "负责人RD"), ("risk", "RD-R01", "芯片供货 <风险>", "王磊")]


def test_no_merge_yet_is_a_clear_error(sample_ws):
    from xlflow.errors import XlflowError

    with pytest.raises(XlflowError) as err:
        make_brief(sample_ws, AS_OF, risks=[])
    assert err.value.key == "summary-no-snapshot" and "xlflow merge" in err.value.message("en")


def test_reports_and_outbox_message(ws):
    result = send_weekly_brief(ws, AS_OF, send=False, risks=risks())
    assert result.html == ws.folder("reports") / "brief-2026-W47-zh.html"
    assert result.text == ws.folder("reports") / "brief-2026-W47-zh.md"
    html, text = result.html.read_text("utf-8"), result.text.read_text("utf-8")

    # department text is escaped in HTML, verbatim in text
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 样机 &amp; 测试" in html
    assert "需求变更未确认 &amp; &lt;b&gt;待评审&lt;/b&gt;" in html
    assert EVIL in text and "需求变更未确认 & <b>待评审</b>" in text
    # e-mail-safe HTML: inline styles, no <style>, 600 px, status as text on its colour
    assert "<style" not in html and "max-width:600px" in html and 'width="600"' in html
    assert re.search(r'bgcolor="#FFC7CE"[^>]*>阻塞<', html) and re.search(r'bgcolor="#FFEB9C"[^>]*>滞后<', html)
    for heading in ("需要决策", "新增滞后或阻塞", "持续滞后或阻塞", "已逾期但未报滞后", "影响其他部门",
                    "本周未提交的部门", "下周到期", "截止日期推迟", "两周未更新", "本周完成", "各部门情况"):
        assert heading in html and heading in text
    assert "| 研发部 | 4 | 1 | 1 | 0 | 52.5% | 2026-11-18 (本周已交) |" in text

    d = result.delivery
    assert not d.sent and d.eml.parent == ws.folder("outbox")
    m = eml(d.eml)
    assert m["Subject"] == "【智能水壶X1新品上市】第47周进度简报 2026-11-16 ~ 2026-11-22"
    assert [a.addr_spec for a in m["To"].addresses] == ["pmo@example.com"]  # the coordinators' brief
    assert [eml(x.eml)["To"].addresses[0].addr_spec for x in result.deliveries[1:]] == [
        "rd@example.com", "marketing@example.com", "sales@example.com", "mfg@example.com",
        "service@example.com", "finance@example.com"]  # each department its own brief (test_brief_audiences.py)
    assert m.get_body(("html",)).get_content().replace("\r\n", "\n") == html
    assert m.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    (att,) = m.iter_attachments()
    assert att.get_filename() == "NPL-2026-master.xlsx" and b"master workbook" in att.get_content()


def test_english_brief(ws):
    result = send_weekly_brief(ws, AS_OF, send=False, lang="en", to=["boss@example.com"], risks=[])
    m = eml(result.delivery.eml)
    assert m["Subject"] == "[Smart Kettle X1 Launch] Week 47 progress brief 2026-11-16 – 2026-11-22"
    assert m["To"].addresses[0].addr_spec == "boss@example.com" and len(m["To"].addresses) == 1
    text = result.text.read_text("utf-8")
    assert result.text.name == "brief-2026-W47-en.md"
    assert "## Newly delayed or blocked (1)" in text and "Marketing · owner: 负责人MK" in text


def test_command_writes_reports_and_outbox(ws, tmp_path):
    out = tmp_path / "elsewhere"
    r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--week", "2026-W47", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "第47周：共 11 项任务" in r.output
    assert (out / "brief-2026-W47-zh.html").is_file() and str(out / "brief-2026-W47-zh.md") in r.output
    # without --send the e-mails are previews (one per audience): nothing is queued, and a second run
    # replaces the previews
    assert not list(ws.folder("outbox").glob("*.eml"))
    paths = sorted((ws.folder("outbox") / "preview").glob("*.eml"))
    assert len(paths) == 7 and all(str(p) in r.output for p in paths)
    assert "加 --send 才发送" in r.output and "未加入发送队列" in r.output
    r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--week", "2026-W47", "--out", str(out)])
    assert r.exit_code == 0 and paths == sorted((ws.folder("outbox") / "preview").glob("*.eml"))

    r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--as-of", "2026-11-20", "--remind"])
    assert r.exit_code == 0 and r.output.count("reminder-") == 3 and "简报" not in r.output  # MK, CS, FN only
    assert len(list((ws.folder("outbox") / "preview").glob("*.eml"))) == 7 + 3
    assert not list(ws.folder("outbox").glob("*.eml"))

    r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--week", "2026-W47", "--as-of", "2026-11-20"])
    assert r.exit_code == 2 and "--week" in r.output
    r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--week", "47", "--lang", "en"])
    assert r.exit_code == 2 and "2026-W47" in r.output


def test_command_sends_over_starttls(ws, tls_cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert[0]))
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SMTPServer(*tls_cert) as server:
        config = ws.root / "xlflow.toml"
        text = config.read_text("utf-8")
        text = text.replace('host = ""', 'host = "localhost"').replace("port = 587", f"port = {server.port}")
        config.write_text(text.replace('username = ""', 'username = "bot@example.com"'), "utf-8")
        r = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--as-of", "2026-11-20", "--send",
                                      "--to", "boss@example.com", "--to", "pmo@example.com"])
    assert r.exit_code == 0, r.output
    (got,) = server.received
    assert got.tls and got.rcpt_tos == ["boss@example.com", "pmo@example.com"]
    assert got.message["Subject"].startswith("【智能水壶X1新品上市】第47周进度简报")
    assert "邮件已发送给 boss@example.com, pmo@example.com" in r.output
    assert not list(ws.folder("outbox").glob("*.eml")) and len(list((ws.folder("outbox") / "sent").glob("*.eml"))) == 1


def test_reminders_attach_the_last_or_a_blank_workbook(ws):
    accepted = ws.folder("accepted")
    accepted.mkdir(exist_ok=True)
    (accepted / "MK.xlsx").write_bytes(b"PK\x03\x04 last accepted MK workbook")
    (accepted / "MK.json").write_text('{"department": "MK", "received": "2026-11-10T10:00:00+08:00"}', "utf-8")
    results, skipped = send_reminders(ws, AS_OF, send=False)
    assert skipped == []
    by_to = {eml(r.eml)["To"].addresses[0].addr_spec: eml(r.eml) for r in results}
    assert sorted(by_to) == ["finance@example.com", "marketing@example.com", "service@example.com"]
    mk = by_to["marketing@example.com"]
    assert mk["Subject"] == "【智能水壶X1新品上市】提醒：请提交第47周的任务更新"
    (att,) = mk.iter_attachments()
    assert att.get_filename() == "NPL-2026_MK_市场部.xlsx" and att.get_content().endswith(b"last accepted MK workbook")
    assert "上一次被接收的版本（2026-11-10）" in mk.get_body(("plain",)).get_content()
    (blank,) = by_to["finance@example.com"].iter_attachments()
    assert blank.get_filename() == "NPL-2026_FN_财务部.xlsx" and blank.get_content()[:2] == b"PK"
    assert "空白" in by_to["finance@example.com"].get_body(("plain",)).get_content()


def test_schedule_reminders_at_noon_and_the_brief_at_four_once_a_week(ws):
    friday = dt.datetime(2026, 11, 20)
    assert run_schedule(ws, friday.replace(hour=11, minute=59)) == []
    assert run_schedule(ws, friday.replace(hour=12)) == ["reminders"]
    assert len(list(ws.folder("outbox").glob("*reminder-*.eml"))) == 3
    assert run_schedule(ws, friday.replace(hour=15)) == []
    assert run_schedule(ws, friday.replace(hour=16, minute=1)) == ["brief"]
    assert run_schedule(ws, friday.replace(hour=17)) == []
    assert len(list(ws.folder("outbox").glob("*brief-2026-W47*.eml"))) == 7  # one per audience, once
    # a watcher that was down on Friday catches up on Saturday; the next week starts afresh
    assert run_schedule(ws, dt.datetime(2026, 11, 28, 9)) == ["reminders", "brief"]
    assert run_schedule(ws, dt.datetime(2026, 11, 30, 9)) == []


def test_a_late_blocker_is_still_a_decision_to_take(sample_ws):
    """Past due and not done counts as delayed whatever it reports, so a late blocked
    task's snapshot status is "delayed": the brief still lists it among the blockers to decide on."""
    from brief_helpers import task

    db = StateDB(sample_ws.state_db)
    db.record_merge(AS_OF, "m.xlsx", [task("RD-007", "delayed", D(2026, 11, 13), reported="blocked", reason="等芯片"),
                                      task("RD-008", "delayed", D(2026, 11, 13), reason="人手不足")])
    b = make_brief(sample_ws, AS_OF, risks=[])
    assert [(d.kind, d.ref) for d in b.decisions] == [("blocked", "RD-007")]
