"""Change control end to end, as departments and the lead really work: generated workbooks filled by
labels, dropped into the inbox and taken in by the real intake. R&D files a change request naming two
tasks; the lead (PMO) approves it in its own workbook; R&D then moves one task as approved and another
silently. The silent move is a warning at its cell in R&D's feedback and pushes Marketing's task, which
Marketing hears about over real SMTP (aiosmtpd on 127.0.0.1); the next merge shows both moves on the
master's Plan changes sheet and in the brief, the approved task re-baselined with its history kept."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from guard_e2e_helpers import blank, body, label, mails, run_one, task
from mail_helpers import SMTPServer, with_smtp
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.features.control.baselines import ACCEPTED, Baselines
from xlflow.output.department import workbook_name
from xlflow.service.weekly import send_weekly_brief
from xlflow.store.state import StateDB

W1, W2, W3 = dt.date(2026, 11, 13), dt.date(2026, 11, 18), dt.date(2026, 11, 20)
OLD, APPROVED_DUE, SILENT_DUE = dt.date(2026, 12, 4), dt.date(2026, 12, 11), dt.date(2026, 12, 11)

REQUEST = {"change_id": "RD-C01", "requesting_department": "R&D", "date": W2, "change_type": "Plan",
           "content": "Move RD-001 and RD-002", "reason": "Supplier late", "impact": "One week",
           "tasks_affected": "RD-001, RD-002"}
AFFECTED = [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": APPROVED_DUE},
            {"change_ref": "RD-C01", "task_id": "RD-002", "proposed_due": dt.date(2026, 12, 9)}]


def drop(ws, dept: str, rows: list[dict], update: dt.date, change: dict | None = None) -> None:
    forms = {"wbs": {"card": {"update_date": update}, "tables": {"tasks": rows}}}
    if change:
        forms["change"] = {"tables": change}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)


def accepted(ws, day: dt.date, hour: int = 9):
    outcome = run_one(ws, day, hour)
    assert outcome.result == "accepted", [m["Subject"] for m in mails(ws)]
    return outcome


def rd_rows(due1: dt.date = OLD, due3: dt.date = OLD) -> list[dict]:
    return [task("RD", 1, due=due1), task("RD", 2), task("RD", 3, due=due3)]


@pytest.fixture(scope="module")
def story(tmp_path_factory, tls_cert):
    """The three weeks, through the intake; Marketing's mail goes over a real SMTP server."""
    with SMTPServer(*tls_cert, security="none") as server:
        ws = with_smtp(make_ws(tmp_path_factory.mktemp("story") / "ws"), server)
        drop(ws, "RD", rd_rows(), W1)
        accepted(ws, W1)
        drop(ws, "MK", [task("MK", 1, start=dt.date(2026, 12, 7), due=dt.date(2026, 12, 18),
                             predecessors="RD-003", status=label("not_started"), percent=0)], W1)
        accepted(ws, W1, 10)
        drop(ws, "PMO", [task("PMO", 1)], W1)
        accepted(ws, W1, 11)
        db = StateDB(ws.state_db)
        first = Baselines(db).current()
        drop(ws, "RD", rd_rows(), W2, {"requests": [REQUEST], "affected": AFFECTED})
        accepted(ws, W2)
        drop(ws, "PMO", [task("PMO", 1)], W2, {"decisions": [
            {"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou Min", "decided_on": W2}]})
        accepted(ws, W2, 10)
        drop(ws, "RD", rd_rows(due1=APPROVED_DUE, due3=SILENT_DUE), W3, {"requests": [REQUEST], "affected": AFFECTED})
        last = accepted(ws, W3)
        yield ws, db, first, last, server.received


def test_a_baseline_comes_from_the_first_acceptance(story):
    ws, db, first, _, _ = story
    assert {tid: (b.due, b.reason) for tid, b in first.items()} == {
        "RD-001": (OLD, ACCEPTED), "RD-002": (OLD, ACCEPTED), "RD-003": (OLD, ACCEPTED),
        "MK-001": (dt.date(2026, 12, 18), ACCEPTED), "PMO-001": (OLD, ACCEPTED)}
    assert all(b.set_at.date() == W1 for b in first.values())


def test_the_approved_request_re_baselines_the_tasks_it_names_and_keeps_the_history(story):
    ws, db, _, _, _ = story
    store = Baselines(db)
    assert [(b.due, b.reason) for b in store.history("RD-001")] == [(OLD, ACCEPTED), (APPROVED_DUE, "RD-C01")]
    assert store.current()["RD-002"].due == dt.date(2026, 12, 9)  # approved, not moved (yet)
    assert [(b.due, b.reason) for b in store.history("RD-003")] == [(OLD, ACCEPTED)]  # never re-baselined


def test_the_silent_move_is_a_warning_at_its_cell_and_the_approved_one_is_not(story):
    ws, db, _, outcome, received = story
    feedback = [r.message for r in received if "Accepted" in r.message["Subject"] and "_RD_" in r.message["Subject"]]
    assert len(feedback) == 3
    text = body(feedback[-1])
    warnings = [line for line in text.splitlines() if "change request" in line]
    assert len(warnings) == 1, text
    assert "RD-003" in warnings[0] and "2026-12-04" in warnings[0] and "2026-12-11" in warnings[0]
    assert "Change Requests" in warnings[0] and "RD-001" not in warnings[0]
    sheet = openpyxl.load_workbook(ws.folder("accepted") / "RD.xlsx")["WBS"]
    cell = warnings[0].split(":")[0].strip("- ").split("!")[1]
    assert sheet[cell].value == dt.datetime(2026, 12, 11)  # the finding points at RD-003's due date
    assert "RD-003" in [c.value for c in sheet[sheet[cell].row]]


def test_marketing_is_mailed_over_smtp_that_the_silent_move_pushes_its_task(story):
    ws, db, _, _, received = story
    pushed = [r for r in received if "RD-003" in r.message["Subject"]]
    assert len(pushed) == 1
    assert "marketing@example.com" in pushed[0].rcpt_tos
    text = body(pushed[0].message)
    assert "MK-001" in text and "2026-12-07" in text and "unapproved" in text
    assert not [r for r in received if "RD-001" in r.message["Subject"]]  # RD-001 pushes nobody


def _plan_changes(ws) -> list[dict]:
    wb = openpyxl.load_workbook(next(ws.folder("master").glob("*-master.xlsx")))
    rows = list(wb["Plan changes"].iter_rows(min_row=4, values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0]]


def test_the_next_merge_shows_both_moves_on_plan_changes_and_in_the_brief(story):
    ws, db, _, _, _ = story
    moves = {(r["Task"], r["Change"]): r for r in _plan_changes(ws)}
    assert set(moves) == {("RD-001", "due"), ("RD-003", "due")}
    assert (moves["RD-003", "due"]["Approval"], moves["RD-003", "due"]["Slip (working days)"]) == ("unapproved", 5)
    assert moves["RD-003", "due"]["Successors pushed (other departments)"] == "MK-001 (MK, starts 2026-12-07)"
    assert (moves["RD-001", "due"]["Approval"], moves["RD-001", "due"]["Change requests"]) == ("approved", "RD-C01")
    wb = openpyxl.load_workbook(next(ws.folder("master").glob("*-master.xlsx")))
    rows = list(wb["Master WBS"].iter_rows(min_row=4, values_only=True))
    wbs = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert (wbs["RD-001"]["Baseline due"], wbs["RD-001"]["Slip (working days)"]) == (dt.datetime(2026, 12, 11), 0)
    assert wbs["RD-001"]["Baseline from"] == "RD-C01"
    assert (wbs["RD-003"]["Baseline due"], wbs["RD-003"]["Slip (working days)"]) == (dt.datetime(2026, 12, 4), 5)

    brief = send_weekly_brief(ws, W3, send=False).brief
    c = brief.control
    assert [line.task_id for line in c.unapproved] == ["RD-003"] and [line.task_id for line in c.approved] == ["RD-001"]
    assert c.approved[0].change_ids == "RD-C01" and not c.pending
    assert [line.task_id for line in c.pushes] == ["RD-003"] and "MK-001" in c.pushes[0].pushes[0]
    assert c.slipped == 1
    text = (ws.folder("reports") / f"brief-{brief.week.label}-en.md").read_text("utf-8")
    section = text.split("## The plan against its baseline")[1].split("\n## ")[0]
    assert "RD-003 due 2026-12-04 → 2026-12-11 (+5 working days)" in section
    assert "### Approved changes (1)" in section and "RD-C01" in section
    assert "MK-001 (Marketing, starts 2026-12-07)" in section
