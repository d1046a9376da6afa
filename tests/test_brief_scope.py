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
import shutil
from collections import Counter
from pathlib import Path

import pytest

from mail_helpers import SMTPServer, with_smtp
from xlflow.config import load_workspace
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.service.weekly import run_schedule, send_weekly_brief
from xlflow.share.mail import send_weekly
from xlflow.watcher import process_inbox
from xlflow.week.build import load_week

AS_OF = dt.date(2026, 11, 20)
WEEKS = {"week46": dt.date(2026, 11, 13), "week47": AS_OF}
TASK_ID = re.compile(r"(?<![A-Za-z0-9-])(?:PMO|RD|MK|SA|MF|CS|FN)-\d{3}(?![0-9])")


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scope") / "ws"
    ws = init_workspace(root, "zh", sample=True)
    for week, day in WEEKS.items():
        for path in sorted((samples_dir() / "submissions" / week).glob("*.xlsx")):
            shutil.copy2(path, ws.folder("inbox") / path.name)
        process_inbox(ws, day, "zh", received_at=dt.datetime.combine(day, dt.time(15, 0)).astimezone())
    merge_workspace(ws, as_of=AS_OF, lang="zh")
    return root


@pytest.fixture
def ws(merged, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(merged, root)
    return load_workspace(root)


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
