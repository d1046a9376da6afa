"""load_week: the stored week as one WeekState, on real workspaces (real workbooks through the real
intake and merge). It is what the master and the brief show; a past week loads the same after later
merges, decisions and re-baselines; a record made by an older xlflow (parts missing, or no record at
all) still loads, its missing parts recomputed; the coordinator's Escalate marks and the kick-off
milestones are part of the week."""
from __future__ import annotations

import datetime as dt

import pytest

from coord_helpers import AS_OF, edit, merge_files, rd_tasks, rows, workbooks
from guard_e2e_helpers import task
from merge_helpers import make_ws
from test_brief_record import MOVED, OLD, W46, W47, accepted, drop, week_46
from test_change_master_edit import master
from week_helpers import as_version_1
from xlflow.errors import XlflowError
from xlflow.output.department import generate_workbook
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB
from xlflow.week import parts as weekparts, stored as weekrecord
from xlflow.week.build import load_week
from xlflow.week.record import read_parts
from xlflow.week.state import Escalation, Milestone

NEW_PARTS = (weekparts.CHANGES, weekparts.CONTROL, weekparts.SIDECARS, weekparts.MILESTONES, weekparts.ESCALATIONS,
             weekparts.CRITICAL)


def test_the_week_is_what_the_master_and_the_brief_show(tmp_path):
    ws = week_46(tmp_path)
    db = StateDB(ws.state_db)
    week = load_week(ws, W46, db)
    brief = make_brief(ws, W46, "en", db)
    assert (week.week, week.as_of, week.data_date, week.previous_date) == (brief.week, W46, W46, brief.previous_date)
    shown = rows(master(ws), "Master WBS", "Task ID")
    assert sorted(t.task_id for t in week.tasks) == sorted(shown) == ["PMO-001", "RD-001", "RD-002"]
    assert {t.task_id: t.due for t in week.tasks} == {k: v["Due date"].date() for k, v in shown.items()}
    assert brief.headline.total == len(week.tasks)
    assert [(d.code, d.tasks, d.done, d.trouble, d.overdue, d.percent, d.submitted) for d in week.departments] == [
        (d.code, d.tasks, d.done, d.trouble, d.overdue, d.percent, d.submitted) for d in brief.departments]
    assert week.not_submitted == tuple(m.code for m in brief.missing) and "RD" not in week.not_submitted
    assert week.department("RD").version == 2 and week.department("PMO").version == 1
    assert [v.department for v in week.versions] == ["RD"]  # only R&D sent a new version in week 46
    (request,) = week.changes
    assert (request.change_id, request.status) == ("RD-C01", "pending")
    assert [(m.task_id, m.kind, m.status, m.days) for m in week.moves] == [("RD-001", "due", "pending", 5)]
    rd1 = week.task("RD-001")
    assert (rd1.due, rd1.baseline_due, rd1.slip) == (MOVED, OLD, 5)
    assert week.task("RD-002").slip == 0 and week.task("RD-002").baseline_due is not None
    assert (week.projected_end, week.baseline_end) == (MOVED, OLD) == (brief.control.projected_end,
                                                                      brief.control.baseline_end)
    assert week.scorecard.as_of == W46 and week.critical_path and week.critical_path[-1] in shown
    assert week.escalations == () and week.milestones == () and not week.quiet


def test_a_past_week_loads_the_same_after_a_later_merge(tmp_path):
    ws = week_46(tmp_path)
    before = load_week(ws, W46)
    drop(ws, "PMO", [task("PMO", 1)], W47, {"decisions": [
        {"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou", "decided_on": dt.date(2026, 11, 18)}]})
    accepted(ws, W47)
    now = load_week(ws, W47)
    assert [(c.change_id, c.status) for c in now.changes] == [("RD-C01", "approved")]
    assert now.task("RD-001").baseline_due == MOVED and now.task("RD-001").slip == 0
    assert now.previous_date == W46 and now.department("PMO").submitted
    assert load_week(ws, W46) == before


def _strip(db: StateDB, day: dt.date) -> None:
    """Rewrite the day's (version-1) record as an xlflow that kept none of the newer parts would have."""
    record = weekrecord.load(db, day)
    with db.transaction() as con:
        snapshot_id = con.execute("SELECT snapshot_id FROM week_records WHERE as_of=?", (day.isoformat(),)).fetchone()[0]
    old = {k: v for k, v in record.extra.items() if k not in NEW_PARTS}
    weekrecord.save(db, snapshot_id, weekrecord.WeekRecord(day, record.risks, record.actions, record.problems,
                                                           record.raci_conflicts, old))


def test_a_record_from_an_older_xlflow_still_loads(tmp_path):
    ws = week_46(tmp_path)
    db = StateDB(ws.state_db)
    stored = load_week(ws, W46, db, scorecard=False)
    as_version_1(ws, db, W46)
    assert load_week(ws, W46, db, scorecard=False) == stored  # the release before: the same week from its parts
    assert read_parts(ws, db, db.latest_snapshot_before(W46, inclusive=True)).complete
    _strip(db, W46)
    snapshot = db.latest_snapshot_before(W46, inclusive=True)
    assert not read_parts(ws, db, snapshot).complete
    old = load_week(ws, W46, db, scorecard=False)  # nothing was decided since: the current state says the same
    assert (old.tasks, old.changes, old.moves, old.projected_end, old.baseline_end, old.departments) == (
        stored.tasks, stored.changes, stored.moves, stored.projected_end, stored.baseline_end, stored.departments)
    assert old.critical_path == ()  # not recomputed: the plan is not rebuilt for it
    with db.transaction() as con:
        con.execute("DELETE FROM week_records")
    bare = load_week(ws, W46, db, scorecard=False)  # a merge older than week records: no record at all
    assert bare.tasks == stored.tasks and bare.actions == () and [c.change_id for c in bare.changes] == ["RD-C01"]


def test_no_merge_up_to_the_day_is_a_clear_error(tmp_path):
    ws = week_46(tmp_path)
    with pytest.raises(XlflowError) as caught:
        load_week(ws, dt.date(2026, 1, 5))
    assert caught.value.key == "summary-no-snapshot"


KICKOFF = {"project_name": "Product X launch", "initiation_date": dt.date(2026, 9, 1), "background_goal": "Launch X",
           "expected_outcome": "X on sale", "involved_departments": "R&D, Marketing", "initiator_head": "Wang"}


def test_escalate_marks_and_kickoff_milestones_are_part_of_the_week(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="en")
    files = workbooks(ws, tmp_path / "in")
    rd = ws.department("RD").name("en")
    generate_workbook(ws, "RD", "en", files[0], data={
        "wbs": {"card": {"update_date": dt.date(2026, 11, 16)}, "tables": {"tasks": rd_tasks()}},
        "kickoff": {"card": {**KICKOFF, "initiating_department": rd},
                    "tables": {"milestones": [{"milestone": "Prototype", "planned_date": dt.date(2026, 12, 11),
                                               "owner_department": rd}]}}})
    first = merge_files(ws, files).master_path
    week = load_week(ws, AS_OF, scorecard=False)
    assert week.milestones == (Milestone("Prototype", dt.date(2026, 12, 11), "RD", "RD"),)
    edit(first, "Master WBS", "Task ID", {("RD-001", "Escalate"): "Yes", ("RD-001", "Coordinator's comment"): "Ask CEO",
                                          ("RD-003", "Escalate"): "No"})
    merge_files(ws, files)
    week = load_week(ws, AS_OF, scorecard=False)
    assert week.escalations == (Escalation("RD", "RD-001", "Ask CEO"),)
    assert week.milestones == (Milestone("Prototype", dt.date(2026, 12, 11), "RD", "RD"),)

