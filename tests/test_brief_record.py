"""A week's brief rebuilt later shows that week's change register and plan against its baselines:
R&D moves RD-001 in week 46 under a pending change request; in week 47 the lead (or the
coordinator, in the master's Changes sheet) approves it, which re-baselines RD-001. Week 46's brief,
rebuilt after that (also with `xlflow summary --week`), still shows the request as a decision needed
and the move as pending, identical to the brief written in week 46. Real workbooks through the real
intake and merge."""
from __future__ import annotations

import datetime as dt

import openpyxl
from click.testing import CliRunner

from guard_e2e_helpers import blank, run, task
from test_change_master_edit import cell_of, master
from validate_helpers import fill
from watch_helpers import make_ws
from week_helpers import as_version_1
from xlflow.cli import main
from xlflow.features.control.baselines import Baselines
from xlflow.output.department import workbook_name
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import make_brief, send_weekly_brief
from xlflow.store.state import StateDB
from xlflow.week import parts as weekparts, stored as weekrecord
from xlflow.week.brief import render_brief

D = dt.date
W45, W46, W47 = D(2026, 11, 6), D(2026, 11, 13), D(2026, 11, 20)  # Fridays
OLD, MOVED = D(2026, 12, 4), D(2026, 12, 11)
REQUEST = {"change_id": "RD-C01", "requesting_department": "R&D", "date": D(2026, 11, 12), "change_type": "Plan",
           "content": "Move RD-001 by a week", "reason": "Supplier late", "impact": "One week later",
           "tasks_affected": "RD-001"}
CHANGE = {"requests": [REQUEST], "affected": [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": MOVED}]}


def drop(ws, dept: str, rows: list[dict], update: dt.date, change: dict | None = None) -> None:
    forms = {"wbs": {"card": {"update_date": update}, "tables": {"tasks": rows}}}
    if change:
        forms["change"] = {"tables": change}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)


def rd(due: dt.date = OLD) -> list[dict]:
    return [task("RD", 1, due=due), task("RD", 2)]


def accepted(ws, day: dt.date) -> None:
    outcomes = run(ws, day)
    assert outcomes and all(o.result == "accepted" for o in outcomes), [o.line("en") for o in outcomes]


def week_46(tmp_path):
    """Week 45: the first plans (the baselines); week 46: RD-001 moved under the pending RD-C01."""
    ws = make_ws(tmp_path / "ws")
    drop(ws, "RD", rd(), W45)
    drop(ws, "PMO", [task("PMO", 1)], W45)
    accepted(ws, W45)
    drop(ws, "RD", rd(MOVED), W46, CHANGE)
    accepted(ws, W46)
    return ws


def briefs(ws, day: dt.date) -> dict:
    """The brief of the week holding `day` in both languages, with its HTML and text."""
    out = {}
    for lang in ("en", "zh"):
        brief = make_brief(ws, day, lang)
        out[lang] = (brief, *render_brief(ws, brief))
    return out


def change_refs(brief) -> list[str]:
    return [d.ref for d in brief.decisions if d.kind == "change"]


def assert_week_46(brief) -> None:
    assert change_refs(brief) == ["RD-C01"]
    control = brief.control
    assert [(line.task_id, line.change_ids) for line in control.pending] == [("RD-001", "RD-C01")]
    assert not control.approved and not control.unapproved
    assert control.slipped == 1 and control.baseline_end == OLD
    rd_score = next(r for r in brief.scorecard.rows if r.code == "RD")  # as of week 46, whatever came later
    assert (brief.scorecard.as_of, rd_score.slip, rd_score.punctuality) == ("2026-11-13", 5, "100% (2/2)")


def test_a_decision_and_re_baseline_in_week_47_leave_week_46s_brief_as_it_was(tmp_path):
    ws = week_46(tmp_path)
    first = briefs(ws, W46)
    assert_week_46(first["en"][0])
    assert "RD-C01" in first["en"][2] and "RD-C01" in first["zh"][2]

    drop(ws, "PMO", [task("PMO", 1)], W47, {"decisions": [
        {"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou", "decided_on": D(2026, 11, 18)}]})
    accepted(ws, W47)
    db = StateDB(ws.state_db)
    assert [(b.due, b.reason) for b in Baselines(db).history("RD-001")] == [(OLD, "accepted"), (MOVED, "RD-C01")]
    now = make_brief(ws, W47, "en")
    assert change_refs(now) == []  # decided: no longer a decision needed this week
    assert [(line.task_id, line.change_ids) for line in now.control.approved] == [("RD-001", "RD-C01")]
    assert not now.control.pending and now.control.slipped == 0

    again = briefs(ws, W46)
    assert_week_46(again["en"][0])
    assert again == first  # the Brief values, the HTML and the text, in both languages


def test_the_coordinators_decision_in_the_master_and_summary_week_on_the_command_line(tmp_path):
    ws = week_46(tmp_path)
    written = send_weekly_brief(ws, W46, send=False, lang="en")
    html, text = written.html.read_bytes(), written.text.read_bytes()
    assert b"RD-C01" in text

    path = master(ws)
    wb = openpyxl.load_workbook(path)
    wb["Changes"][cell_of(ws, "RD-C01", "Decision (coordinator)")] = "Approved"
    wb.save(path)
    merge_workspace(ws, as_of=W47)
    now = make_brief(ws, W47, "en")
    assert change_refs(now) == [] and [line.task_id for line in now.control.approved] == ["RD-001"]

    result = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--week", "2026-W46", "--lang", "en"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert written.html.read_bytes() == html and written.text.read_bytes() == text


def test_the_record_holds_the_register_the_control_and_the_sidecars(tmp_path):
    ws = week_46(tmp_path)
    as_version_1(ws, StateDB(ws.state_db), W46)
    record = weekrecord.load(StateDB(ws.state_db), W46)
    (request,) = weekparts.recorded_changes(record)
    assert (request.change_id, request.status, request.tasks, request.proposed) == (
        "RD-C01", "pending", ("RD-001",), {"RD-001": (None, MOVED)})
    control, projected = weekparts.recorded_control(record)
    assert [(m.task_id, m.kind, m.old, m.new, m.days, m.status) for m in control.moves] == [
        ("RD-001", "due", OLD, MOVED, 5, "pending")]
    assert projected == MOVED and weekparts.recorded_sidecars(record) == []


def test_a_record_older_than_its_parts_falls_back_to_the_current_state(tmp_path):
    """A week record written before the register and the control were kept: the brief reads them now."""
    ws = week_46(tmp_path)
    db = StateDB(ws.state_db)
    as_version_1(ws, db, W46)
    record = weekrecord.load(db, W46)
    with db.transaction() as con:
        snapshot_id = con.execute("SELECT snapshot_id FROM week_records WHERE as_of=?", (W46.isoformat(),)).fetchone()[0]
    old = {k: v for k, v in record.extra.items() if k not in (weekparts.CHANGES, weekparts.CONTROL, weekparts.SIDECARS)}
    weekrecord.save(db, snapshot_id, weekrecord.WeekRecord(W46, record.risks, record.actions, record.problems,
                                                           record.raci_conflicts, old))
    assert weekparts.recorded_changes(weekrecord.load(db, W46)) is None
    brief = make_brief(ws, W46, "en")
    assert_week_46(brief)  # the current state still says the same: nothing was decided yet
