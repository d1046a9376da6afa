"""Issue 19's "Done means": a new user's first two projects replayed end to end, an English one
(four departments) and a Chinese one (three): `init`, a hand-written xlflow.toml, the departments'
generated workbooks filled and dropped, two weeks of intake (a merge on each Monday, one
department's first file rejected then corrected), the brief built on each Friday, SMTP configured
only after the first week (everything waited in outbox/), then `mail retry` against a real SMTP
server. Every recipient gets each message once, the stale rejection notice is withdrawn, the
Friday brief counts "due today" on its own day, and the received time in the acceptance mail is
the one the master's Submissions sheet shows, in the project's time zone."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from mail_helpers import SMTPServer, with_smtp
from validate_helpers import fill
from xlflow.config import Workspace, load_workspace
from xlflow.i18n import msg
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.output.mail import retry_outbox
from xlflow.output.outbox import KIND_HEADER, waiting_mails
from xlflow.service.scaffold import init_workspace
from xlflow.service.weekly import send_weekly_brief
from xlflow.spec.catalog import load_catalog
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox

D = dt.date
UTC = dt.UTC
WEEK1 = (D(2026, 11, 16), D(2026, 11, 20))  # Monday, Friday (no holiday in either calendar)
WEEK2 = (D(2026, 11, 23), D(2026, 11, 27))
COORDINATOR = "coord@example.com"


@dataclass(frozen=True)
class Project:
    lang: str
    code: str
    zone: str
    departments: tuple[tuple[str, str, str, str], ...]  # code, name, contact, e-mail
    rejected: str  # the department whose first file is rejected

    @property
    def names(self) -> dict[str, str]:
        return {code: name for code, name, _, _ in self.departments}


ENGLISH = Project(
    "en",
    "OM-2027",
    "Europe/Berlin",
    (
        ("FAC", "Facilities", "Anna Weber", "fac@example.com"),
        ("IT", "IT", "Tom Berg", "it@example.com"),
        ("HR", "HR", "Lena Koch", "hr@example.com"),
        ("FIN", "Finance", "Max Roth", "fin@example.com"),
    ),
    rejected="IT",
)
CHINESE = Project(
    "zh",
    "BQ-2027",
    "Asia/Shanghai",
    (
        ("XZ", "行政部", "周敏", "xz@example.com"),
        ("XX", "信息部", "王磊", "xx@example.com"),
        ("CW", "财务部", "李娜", "cw@example.com"),
    ),
    rejected="XX",
)


def config_text(p: Project) -> str:
    """xlflow.toml as a coordinator writes it by hand: one language only, the project's zone."""
    lead = p.departments[0][0]
    depts = "\n".join(
        f'[[departments]]\ncode = "{code}"\nname = {{ {p.lang} = "{name}" }}\ncontact = "{contact}"\nemail = "{mail}"\n'
        for code, name, contact, mail in p.departments
    )
    project_name = "Office move 2027" if p.lang == "en" else "新办公室搬迁"
    return f"""[project]
name = {{ {p.lang} = "{project_name}" }}
code = "{p.code}"
lead_department = "{lead}"
start = 2026-11-02
end = 2027-03-26
language = "{p.lang}"
week_start = "monday"
timezone = "{p.zone}"

[paths]
inbox = "inbox"

{depts}
[email]
host = ""
port = 587
security = "starttls"
username = ""
from = "Coordination <{COORDINATOR}>"
to = ["{COORDINATOR}"]

[summary]
deadline_weekday = "friday"
deadline_time = "16:00"

[calendar]
china = {"true" if p.lang == "zh" else "false"}

[watch]
settle_seconds = 0
"""


def make_project(tmp_path, p: Project) -> Workspace:
    root = tmp_path / p.code
    init_workspace(root, p.lang)
    (root / "xlflow.toml").write_text(config_text(p), "utf-8")
    ws = load_workspace(root)
    assert ws.project.timezone == p.zone and ws.lang == p.lang
    assert [d.code for d in ws.departments] == [d[0] for d in p.departments]
    return ws


def status(code: str, lang: str) -> str:
    return load_catalog().enums["status"].label_of(code, lang)


def rows(p: Project, dept: str, week: int, broken: bool = False) -> list[dict]:
    """The department's WBS as its clerk types it: task 1 due on the first Friday, task 2 on the
    second, task 3 later; the percentages grow in week 2. `broken`: task 1 "done" at 10 %."""
    name = p.names[dept]
    base = {"owner_department": name, "owner": "Wang", "start": D(2026, 11, 2)}
    out = []
    for n, due in enumerate((WEEK1[1], WEEK2[1], D(2026, 12, 18)), start=1):
        row = {
            **base,
            "task_id": f"{dept}-{n:03d}",
            "name": f"{name} task {n}",
            "due": due,
            "status": status("in_progress", p.lang),
            "percent": 30 + 10 * n + 20 * (week - 1),
        }
        out.append(row)
    if broken:
        out[0].update(status=status("done", p.lang), percent=10)
    return out


def drop(ws: Workspace, p: Project, dept: str, week: int, broken: bool = False) -> str:
    """The department fills its generated workbook and drops it into the inbox under its own name."""
    name = workbook_name(ws, dept, p.lang)
    blank = generate_workbook(ws, dept, p.lang, ws.root.parent / f"blank-{p.code}" / name)
    monday = (WEEK1, WEEK2)[week - 1][0]
    forms = {"wbs": {"card": {"update_date": monday}, "tables": {"tasks": rows(p, dept, week, broken)}}}
    fill(ws, blank, ws.folder("inbox") / name, forms)
    return name


def intake(ws: Workspace, day: dt.date, at: dt.datetime) -> list:
    return process_inbox(ws, day, received_at=at)


def body(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def by_recipient(server: SMTPServer, start: int = 0) -> Counter:
    """(recipient, Subject) -> how many times the server took it, for the mails from `start` on."""
    counts: Counter = Counter()
    for got in server.received[start:]:
        subject = str(got.message["Subject"])
        for rcpt in got.rcpt_tos:
            counts[(rcpt.lower(), subject)] += 1
    return counts


def submissions_sheet(ws: Workspace, lang: str) -> list[dict]:
    """The master's Submissions sheet as dicts keyed by its column headers."""
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path, read_only=True)[msg("master-sheet-submissions", lang)]
    values = list(sheet.iter_rows(values_only=True))
    file_col = msg("master-col-file", lang)
    top = next(i for i, r in enumerate(values) if r and file_col in r)
    header = values[top]
    return [dict(zip(header, r, strict=False)) for r in values[top + 1 :] if r and r[0]]


@pytest.mark.parametrize("project", [ENGLISH, CHINESE], ids=["en", "zh"])
def test_a_new_users_first_project_replayed(tmp_path, tls_cert, project):
    p = project
    ws = make_project(tmp_path, p)
    zone = ZoneInfo(p.zone)
    codes = [d[0] for d in p.departments]
    mails = {d[0]: d[3] for d in p.departments}

    # --- week 1: everything drops on Monday morning, one file is rejected, corrected at noon --------
    monday, friday = WEEK1
    first_at = dt.datetime(2026, 11, 16, 8, 25, tzinfo=UTC)
    for dept in codes:
        drop(ws, p, dept, 1, broken=dept == p.rejected)
    intake(ws, monday, first_at)
    results = {s.department: s.result for s in StateDB(ws.state_db).submissions()}
    assert results[p.rejected] == "rejected"
    assert all(results[d] != "rejected" for d in codes if d != p.rejected), results
    corrected_at = dt.datetime(2026, 11, 16, 11, 40, tzinfo=UTC)
    corrected = drop(ws, p, p.rejected, 1)
    intake(ws, monday, corrected_at)
    assert StateDB(ws.state_db).submissions()[-1].result != "rejected"
    assert StateDB(ws.state_db).last_merge().as_of == monday

    # the Friday brief, with no SMTP server configured: queued; a second run and a preview add nothing
    assert not ws.email.configured
    brief = send_weekly_brief(ws, friday, send=True)
    send_weekly_brief(ws, friday, send=True)
    send_weekly_brief(ws, friday, send=True, preview=True)
    due = {i.task_id: i.note for i in brief.brief.section("due_soon").items}
    today = msg("brief-note-due-today", p.lang)
    assert {due[f"{d}-001"] for d in codes} == {today}, due
    kinds = Counter(
        str(email.message_from_bytes(m.read_bytes(), policy=email.policy.default)[KIND_HEADER])
        for m in waiting_mails(ws)
    )
    assert kinds[f"brief-{brief.brief.week.label}"] == len(codes)  # the coordinators (with the lead), each other department
    assert kinds[f"feedback-{p.rejected}-rejected"] == 1

    # --- SMTP configured late: the queue goes out once, the stale rejection is withdrawn --------------
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server, sender=ws.email.sender, to=ws.email.to)
        result = retry_outbox(live)
        assert [j.path.name for j in result.withdrawn] and all(
            f"feedback-{p.rejected}-rejected" in j.path.name for j in result.withdrawn
        )
        assert result.held == [] and waiting_mails(ws) == []
        week1 = by_recipient(server)
        assert week1 and set(week1.values()) == {1}, week1
        subjects = [str(r.message["Subject"]) for r in server.received]
        rejected_subject = msg("notify-subject-rejected", p.lang, project=ws.project.name(p.lang), file="")
        assert not any(s.startswith(rejected_subject.strip()) for s in subjects), subjects
        assert not any("rejected" in str(r.message[KIND_HEADER]) for r in server.received)
        withdrawn = list((ws.folder("outbox") / "withdrawn").glob("*.eml"))
        assert len(withdrawn) == 1 and f"feedback-{p.rejected}-rejected" in withdrawn[0].name
        # each department got its acceptance, and everyone the week's brief (a department's names it)
        brief_subject = brief.brief.subject
        for dept in codes:
            assert any(rcpt == mails[dept] and s.startswith(brief_subject) for rcpt, s in week1)
            assert any(rcpt == mails[dept] and workbook_name(ws, dept, p.lang) in s for rcpt, s in week1)
        assert (COORDINATOR, brief_subject) in week1
        brief_mail = next(r.message for r in server.received if str(r.message["Subject"]) == brief_subject)
        assert all(f"{d}-001" in body(brief_mail) for d in codes) and today in body(brief_mail)

        # times agree: the acceptance mail of the corrected file and the master's Submissions sheet
        (accepted,) = [
            r.message
            for r in server.received
            if corrected in str(r.message["Subject"]) and "accepted" in str(r.message[KIND_HEADER])
        ]
        wall = corrected_at.astimezone(zone).replace(tzinfo=None)
        shown = wall.strftime("%Y-%m-%d %H:%M")
        assert shown in body(accepted), body(accepted)
        assert f"{shown} · {corrected}" in body(brief_mail)  # the brief's "Plan changes" line: the same time
        assert p.zone in body(accepted)
        received_col = msg("master-col-received", p.lang) + msg("master-time-zone", p.lang, zone=p.zone)
        sheet = submissions_sheet(ws, p.lang)
        department_col, file_col = msg("master-col-department", p.lang), msg("master-col-file", p.lang)
        times = {r[received_col] for r in sheet if r[department_col] == p.rejected and r[file_col] == corrected}
        assert wall in times, (wall, sheet)
        assert wall != corrected_at.replace(tzinfo=None)  # the project's zone is not the server's UTC

        # --- week 2, SMTP now configured: mails go straight out; the Friday brief counts on Friday ----
        start = len(server.received)
        monday, friday = WEEK2
        for dept in codes:
            drop(live, p, dept, 2)
        outcomes = intake(live, monday, dt.datetime(2026, 11, 23, 7, 5, tzinfo=UTC))
        assert len(outcomes) == len(codes)
        assert all(s.result != "rejected" for s in StateDB(ws.state_db).submissions()[-len(codes) :])
        brief2 = send_weekly_brief(live, friday, send=True)
        due = {i.task_id: i.note for i in brief2.brief.section("due_soon").items}
        assert {due[f"{d}-002"] for d in codes} == {today}, due
        overdue = {i.task_id for i in brief2.brief.section("overdue").items}
        assert {f"{d}-001" for d in codes} <= overdue
        retry_outbox(live)
        assert waiting_mails(ws) == []
        week2 = by_recipient(server, start)
        assert week2 and set(week2.values()) == {1}, week2
        for dept in codes:
            assert any(rcpt == mails[dept] and s.startswith(brief2.brief.subject) for rcpt, s in week2)
        assert (COORDINATOR, brief2.brief.subject) in week2
        assert brief2.brief.subject != brief_subject
        assert not any("rejected" in str(r.message[KIND_HEADER]) for r in server.received[start:])
    # nothing was sent twice over the two weeks: every message (by its id) reached the server once
    ids = Counter(str(r.message["Message-ID"]) for r in server.received)
    assert set(ids.values()) == {1}


def test_a_second_live_send_of_the_same_brief_is_not_sent_again(tmp_path, tls_cert):
    p = ENGLISH
    ws = make_project(tmp_path, p)
    for dept in (d[0] for d in p.departments):
        drop(ws, p, dept, 1)
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server, sender=ws.email.sender, to=ws.email.to)
        intake(live, WEEK1[0], dt.datetime(2026, 11, 16, 8, 25, tzinfo=UTC))
        start = len(server.received)
        send_weekly_brief(live, WEEK1[1], send=True)  # the watcher's scheduled brief, say
        again = send_weekly_brief(live, WEEK1[1], send=True)  # and the coordinator's `xlflow summary --send`
        counts = by_recipient(server, start)
    assert counts and set(counts.values()) == {1}, counts
    assert not again.delivery.sent and again.delivery.note == "mail-already-sent"
    assert again.delivery.eml.parent.name == "withdrawn"
