"""A department's weekly mail is its brief holding only what its sharing scope allows — its own tasks,
the tasks waiting on them or that they wait on (cut down), as the `[sharing]` list grants — with its
slice attached; and it is the department's one mail of the week: the brief, the share mail and the
watcher compose the same message, so a re-run replaces or withdraws it. The sample project merged as
`xlflow demo` merges it; mails sent to a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections import Counter
from pathlib import Path

import pytest

from export_helpers import AS_OF
from mail_helpers import SMTPServer, with_smtp
from xlflow.config import load_workspace
from xlflow.service.weekly import run_schedule, send_weekly_brief
from xlflow.share.mail import send_weekly
from xlflow.week.build import load_week

TASK_ID = re.compile(r"(?<![A-Za-z0-9-])(?:PMO|RD|MK|SA|MF|CS|FN)-\d{3}(?![0-9])")


@pytest.fixture
def ws(merged_sample_ws):
    """A copy of the sample project merged as `xlflow demo` merges it (conftest.py: made once a session)."""
    return merged_sample_ws


def _read(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _parts(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _in_scope(ws, code: str) -> set[str]:
    """Worked out here from the plan, not by the code under test: the department's tasks, the tasks
    they name as predecessors or as waiting on them, and the tasks naming them as predecessors."""
    tasks = load_week(ws, AS_OF).tasks
    own = {t.task_id for t in tasks if t.department == code}
    out = set(own)
    for t in tasks:
        if t.task_id in own:
            out |= set(t.predecessors) | set(t.successors_other_depts)
        if own & set(t.predecessors):
            out.add(t.task_id)
    return out


def _briefs(ws, lang: str = "zh") -> dict[str, object]:
    result = send_weekly_brief(ws, AS_OF, send=False, lang=lang)
    out = {}
    for d in result.deliveries:
        message = _read(d.eml)
        out[str(message["X-Xlflow-Identity"]).split(":")[1]] = message
    return out


@pytest.mark.parametrize("code", ["RD", "MK", "CS", "FN"])
def test_a_departments_brief_lists_no_task_outside_its_scope(ws, code):
    every = {t.task_id for t in load_week(ws, AS_OF).tasks}
    scope = _in_scope(ws, code)
    briefs = _briefs(ws)
    text, html = _parts(briefs[code])
    shown = set(TASK_ID.findall(text)) | set(TASK_ID.findall(html))
    assert shown and shown <= scope, sorted(shown - scope)
    # the coordinators' brief lists tasks this one must not: the check above can fail
    whole = set(TASK_ID.findall(_parts(briefs["coordinators"])[0]))
    assert whole - scope and whole <= every


def test_a_linked_task_of_another_department_is_shown_cut_down(ws):
    """MK waits on RD-006 (late, its reason typed by RD): MK's brief shows it, without RD's owner or reason."""
    week = load_week(ws, AS_OF)
    rd6 = week.task("RD-006")
    assert rd6 is not None and rd6.reason and rd6.owner and "RD-006" in _in_scope(ws, "MK")
    mk = _briefs(ws)["MK"]
    for part in _parts(mk):
        assert "RD-006" in part and rd6.name in part
        assert rd6.reason not in part and rd6.owner not in part
    # no owner or reason line for it at all (not an empty one, nor "not given": it is not MK's to see)
    text = _parts(mk)[0]
    lines = [line for line in text.splitlines() if line.startswith("- [") and "RD-006" in line]
    assert lines and not any("负责人" in line or "原因" in line for line in lines), lines
    assert any("负责人" in line for line in text.splitlines() if line.startswith("- [") and "MK-00" in line)
    # the headline counts MK's own tasks; its table and scorecard have its line only
    own = len(week.department_tasks("MK"))
    assert f"- 任务总数: {own} " in text
    assert "本周未提交的部门" not in text  # MK submitted: nothing to say about the others
    assert "负责人： " not in text and "负责人：<" not in _parts(mk)[1]  # a risk of another department: its owner left out, no empty label
    names = [d.name("zh") for d in ws.departments if d.code != "MK"]
    table = text.split("## 各部门情况")[1].split("## ")[0]
    assert not any(f"| {n} |" in table for n in names)


def test_the_sharing_list_narrows_the_brief_to_own_tasks(ws):
    """RD's rows give it only its own tasks: no other department's task is in its brief at all."""
    path = ws.root / "xlflow.toml"
    path.write_text(path.read_text("utf-8") + """
[[sharing.rows]]
content = ["own_tasks"]
audience = "RD"
format = ["xlsx", "mail"]
frequency = "weekly"
""", "utf-8")
    ws = load_workspace(ws.root)
    rd = _briefs(ws, "en")["RD"]
    text, html = _parts(rd)
    assert {i[:2] for i in TASK_ID.findall(text + html)} == {"RD"}
    assert sorted(p.get_filename() for p in rd.iter_attachments()) == ["NPL-2026-RD-2026-W47.xlsx", "RD.ics"]
    assert "Your department's calendar RD.ics is attached" in text
    assert rd["Subject"].endswith(f"({ws.department('RD').name('en')})")


def test_each_department_gets_one_mail_a_week(ws, tls_cert):
    """The brief, then `xlflow share send`, then the watcher's schedule, then the brief again: every
    address gets one mail of the week, a department's carrying its slice and calendar."""
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server)
        send_weekly_brief(live, AS_OF, send=True, lang="zh")
        shared = send_weekly(live, AS_OF, send=True, lang="zh")
        run_schedule(live, dt.datetime.combine(AS_OF, dt.time(23, 0)), send=True)
        send_weekly_brief(live, AS_OF, send=True, lang="zh")
        kinds = Counter(str(r.message["X-Xlflow-Kind"]).split("-")[0] for r in server.received)
        weekly = [r for r in server.received if not str(r.message["X-Xlflow-Kind"]).startswith("reminder-")]
        counts = Counter(a for r in weekly for a in r.rcpt_tos)
        got = {tuple(r.rcpt_tos): r.message for r in weekly}
    assert set(kinds) == {"brief", "reminder"}  # the watcher also reminded who has not submitted: not the week's mail
    addresses = {d.email for d in ws.departments if d.email} | {"pmo@example.com"}
    assert counts == Counter(dict.fromkeys(addresses, 1))
    assert shared.errors == [] and set(shared.folded) >= {"RD", "MK", "SA", "MF", "CS", "FN"}
    rd = got[("rd@example.com",)]
    assert sorted(p.get_filename() for p in rd.iter_attachments()) == ["NPL-2026-RD-2026-W47.xlsx", "RD.ics"]
    assert "附件为贵部门的切片" in _parts(rd)[0]
    assert not [p for p in ws.folder("outbox").glob("*.eml") if "-brief-" in p.name or "-share-" in p.name]


def test_a_rerun_before_sending_replaces_the_waiting_mail(ws):
    send_weekly_brief(ws, AS_OF, send=False, lang="zh")
    send_weekly(ws, AS_OF, send=False, lang="zh")
    send_weekly_brief(ws, AS_OF, send=False, lang="zh")
    waiting = [_read(p) for p in ws.folder("outbox").glob("*brief-2026-W47*.eml")]
    per = Counter(str(m["To"]) for m in waiting)
    assert len(waiting) == 7 and set(per.values()) == {1}
    assert not list(ws.folder("outbox").glob("*share-*.eml"))


def _slice_rows(ws, code: str, sheet: str) -> list[tuple]:
    import openpyxl

    book = openpyxl.load_workbook(ws.root / "slices" / code / f"{ws.project.code}-{code}-2026-W47.xlsx")
    return [r for r in book[sheet].iter_rows(min_row=5, values_only=True) if any(v is not None for v in r)]


def test_a_change_request_naming_a_departments_task_is_shown_to_it(ws):
    """RD-C01 (filed by RD) proposes new dates for RD-006 and MK-003; the merge asks MK to take note.
    MK's brief and slice show the request, its decision state and MK-003's proposed dates — not
    RD-006's, nor RD's reason, impact or contact; RD's brief still shows the whole request."""
    req = next(c for c in load_week(ws, AS_OF).changes if c.change_id == "RD-C01")
    assert req.department == "RD" and set(req.tasks) == {"RD-006", "MK-003"} and req.pending
    rd_due = req.proposed["RD-006"][1].isoformat()
    mk_start, mk_due = (d.isoformat() for d in req.proposed["MK-003"])
    contact = ws.department("RD").contact
    briefs = _briefs(ws)
    text, html = _parts(briefs["MK"])
    line = next(x for x in text.splitlines() if x.startswith("- [") and "RD-C01" in x)
    assert mk_start in line and mk_due in line and rd_due not in line and "RD-006" not in line, line
    assert "MK 知悉并确认" in text  # the register's notice to MK, as the merge printed it
    assert "MK-003: " in html and mk_due in html and "RD-006: " not in html
    for part in (text, html):
        assert req.reason not in part and req.impact not in part and contact not in part
    rd_text = _parts(briefs["RD"])[0]
    assert rd_due in next(x for x in rd_text.splitlines() if "RD-C01" in x)
    # the slice the merge wrote: the same request, the same cut
    rows = _slice_rows(ws, "MK", "变更审批")
    row = next(r for r in rows if r[0] == "RD-C01")
    cells = " ".join(str(v) for v in row if v is not None)
    assert "MK-003" in cells and mk_due in cells and "RD-006" not in cells and rd_due not in cells
    assert req.content in cells and "待审批" in cells or "pending" in cells.lower(), cells
    assert not [r for r in _slice_rows(ws, "CS", "变更审批") if r[0] == "RD-C01"]  # CS: not named


def test_a_contact_of_two_departments_gets_each_departments_brief(ws, tls_cert):
    """MK's contact is CS's contact too: one brief per department, each its own scope, subject,
    slice and calendar — no share mail, and each one once however often the week's mail runs."""
    path = ws.root / "xlflow.toml"
    path.write_text(path.read_text("utf-8").replace('"service@example.com"', '"Marketing@Example.com"'), "utf-8")
    ws = load_workspace(ws.root)
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server)
        send_weekly_brief(live, AS_OF, send=True, lang="zh")
        shared = send_weekly(live, AS_OF, send=True, lang="zh")
        send_weekly_brief(live, AS_OF, send=True, lang="zh")
        got = [r.message for r in server.received if [a.lower() for a in r.rcpt_tos] == ["marketing@example.com"]]
    assert shared.errors == [] and {"MK", "CS"} <= set(shared.folded)
    by = {str(m["X-Xlflow-Identity"]).split(":")[1]: m for m in got}
    assert len(got) == 2 and set(by) == {"MK", "CS"}, [str(m["X-Xlflow-Identity"]) for m in got]
    for code, message in by.items():
        assert str(message["X-Xlflow-Kind"]) == "brief-2026-W47"
        assert ws.department(code).name("zh") in str(message["Subject"])
        files = sorted(p.get_filename() for p in message.iter_attachments())
        assert files == sorted([f"NPL-2026-{code}-2026-W47.xlsx", f"{code}.ics"])
        shown = set(TASK_ID.findall(_parts(message)[0]))
        assert shown and shown <= _in_scope(ws, code), sorted(shown - _in_scope(ws, code))


@pytest.mark.parametrize(("lang", "dear", "hello"), [("zh", "{name}，您好：", "您好："), ("en", "Dear {name},", "Hello,")])
def test_a_departments_brief_greets_its_contact_by_name(ws, lang, dear, hello):
    """The department's mail opens with its contact's name (text and HTML); a department without a
    contact is greeted as a team; the coordinators' brief has no greeting (it is the report as written)."""
    path = ws.root / "xlflow.toml"
    cs = ws.department("CS").contact
    path.write_text(path.read_text("utf-8").replace(f'contact = "{cs}"', 'contact = ""'), "utf-8")
    ws = load_workspace(ws.root)
    assert not ws.department("CS").contact
    briefs = _briefs(ws, lang)
    rd = ws.department("RD").contact
    text, html = _parts(briefs["RD"])
    assert text.splitlines()[2] == dear.format(name=rd)
    assert f">{dear.format(name=rd)}</td>" in html
    assert _parts(briefs["CS"])[0].splitlines()[2] == hello
    for other in ("MK", "FN"):
        assert dear.format(name=ws.department(other).contact) in _parts(briefs[other])[0]
    assert rd not in _parts(briefs["coordinators"])[0].splitlines()[2]
    assert not _parts(briefs["coordinators"])[0].splitlines()[2].startswith(hello.rstrip(",："))
