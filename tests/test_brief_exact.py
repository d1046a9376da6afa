"""The brief is exact: a task due on the brief's own day, a week's brief rebuilt later from
that week's record, a quiet week, dependency problems, late submissions, scope change beside the
average. Real workbooks through the real intake and merge, or snapshots with known differences."""
from __future__ import annotations

import datetime as dt

from brief_helpers import AS_OF, brief_of, task as snap_task, week46, week47
from guard_e2e_helpers import blank, label, run, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.output.department import workbook_name
from xlflow.plan.lateness import late_submissions
from xlflow.service.status import workspace_status
from xlflow.service.weekly import make_brief
from xlflow.store.snapshots import Snapshot
from xlflow.store.state import StateDB
from xlflow.week.brief import render_brief

D = dt.date
W46, W47 = D(2026, 11, 13), D(2026, 11, 20)  # Fridays


def _drop(ws, dept: str, rows: list[dict], update: dt.date, forms: dict | None = None) -> None:
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"),
         {"wbs": {"card": {"update_date": update}, "tables": {"tasks": rows}}, **(forms or {})})


def _risk(status: str) -> dict:
    return {"issues": {"tables": {"log": [{
        "issue_id": "PMO-R01", "kind": "Risk", "description": "Supplier may slip", "raised_by": "PMO",
        "raised_date": D(2026, 11, 10), "impact": "High", "owner": "Zhou", "status": status}]}}}


def test_a_task_due_on_the_briefs_own_day_is_reported(sample_ws):
    """Friday's brief: the unfinished task due that Friday is in "due next", noted as due today."""
    current = week47() + [snap_task("MF-002", "in_progress", AS_OF, percent=40)]
    brief = brief_of(sample_ws, AS_OF, Snapshot(AS_OF, tuple(current)), Snapshot(W46, tuple(week46())),
                        lang="en")
    due = {i.task_id: i.note for i in brief.section("due_soon").items}
    assert due["MF-002"] == "due today"
    assert "RD-001" not in due  # done on its due day: finished, not due
    assert "MF-002" not in {i.task_id for i in brief.section("overdue").items}


def test_a_weeks_brief_rebuilt_later_shows_that_weeks_record(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "PMO", [task("PMO", 1, due=D(2026, 12, 18))], W46, _risk("Open"))
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, due=D(2026, 12, 18), predecessors="MK-001")], W46)
    _drop(ws, "MK", [task("MK", 1, due=D(2026, 12, 11), status=label("in_progress"))], W46)
    run(ws, W46)
    first = make_brief(ws, W46, "en")
    html_first, text_first = render_brief(ws, first)
    assert [d.ref for d in first.decisions if d.kind == "risk"] == ["PMO-R01"]
    problems = [n.text for n in first.notice("dependencies").lines]
    assert problems == ["Started before its predecessor is done: RD RD-002 (with MK MK-001)"]

    # week 47: the risk is closed, the link gone; week 46's brief is still what it was
    _drop(ws, "PMO", [task("PMO", 1, due=D(2026, 12, 18))], W47, _risk("Closed"))
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, due=D(2026, 12, 18))], W47)
    run(ws, W47)
    assert not [d for d in make_brief(ws, W47, "en").decisions if d.kind == "risk"]
    assert make_brief(ws, W47, "en").notice("dependencies") is None
    again = make_brief(ws, W46, "en")
    assert again == first and render_brief(ws, again) == (html_first, text_first)


def test_a_quiet_week_says_so_and_repeats_nothing(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, due=D(2026, 11, 30))], D(2026, 11, 6))
    run(ws, D(2026, 11, 6))
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18), status=label("done"), percent=100),
                     task("RD", 2, due=D(2026, 11, 30), status=label("delayed"), reason="Parts late")], W46)
    run(ws, W46)
    week46_brief = make_brief(ws, W46, "en")
    assert [i.task_id for i in week46_brief.section("finished").items] == ["RD-001"]
    assert [i.task_id for i in week46_brief.section("newly").items] == ["RD-002"]
    assert not week46_brief.quiet

    quiet = make_brief(ws, W47, "en")  # nothing arrived in week 47
    assert quiet.quiet and any("quiet week" in n for n in quiet.notes)
    assert quiet.section("finished").count == 0 and quiet.section("newly").count == 0
    assert [i.task_id for i in quiet.section("still").items] == ["RD-002"]  # what is true of this week
    assert quiet.headline.percent_delta == 0.0
    assert "quiet week" in render_brief(ws, quiet)[1]


def test_late_submissions_are_recorded_with_their_data_week_and_arrival(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18))], W46)
    run(ws, W46, hour=15)  # Friday 15:00, before the 16:00 deadline: on time
    _drop(ws, "MK", [task("MK", 1, due=D(2026, 12, 18))], W46)
    run(ws, W46, hour=17)  # Friday 17:00: late for week 46
    _drop(ws, "SA", [task("SA", 1, due=D(2026, 12, 18))], W46)
    run(ws, D(2026, 11, 16))  # Monday, with last week's data: late for week 46
    db = StateDB(ws.state_db)
    late = late_submissions(ws, db.submissions())
    assert [(s.department, s.data_week.label, s.received.strftime("%m-%d %H:%M")) for s in late] == [
        ("MK", "2026-W46", "11-13 17:00"), ("SA", "2026-W46", "11-16 09:00")]
    brief = make_brief(ws, W47, "en")
    (line,) = brief.notice("late").lines
    assert line.text == "Sales: data of 2026-W46, arrived 2026-11-16 09:00"
    assert "deadline 2026-11-13 16:00" in line.detail and "update date 2026-11-13" in line.detail
    assert "SA" not in [m.code for m in brief.missing]  # it still counts for the week it arrived in
    status = workspace_status(ws, dt.datetime(2026, 11, 20, 10).astimezone(), db)
    assert [(s.department, s.data_week.label) for s in status.late] == [("MK", "2026-W46"), ("SA", "2026-W46")]


def test_scope_change_is_shown_beside_the_average(sample_ws):
    """Week 47 adds RD-004 at 10 %: the average moves for that reason too; over the ten tasks of
    both weeks it moved by (100-80) + (70-50) + (70-60) = +50 points / 10 = +5.0."""
    brief = brief_of(sample_ws, AS_OF, Snapshot(AS_OF, tuple(week47())), Snapshot(W46, tuple(week46())),
                        lang="en")
    scope = brief.headline.scope
    assert (scope.added, scope.removed, scope.same_tasks_delta) == (1, 0, 5.0)
    same = [t for t in week47() if t["task_id"] != "RD-004"]
    assert round(sum(t["percent"] for t in same) / 10 - sum(t["percent"] for t in week46()) / 10, 1) == 5.0
    text = render_brief(sample_ws, brief)[1]
    assert "scope change: 1 task added, 0 removed; on the same tasks +5.0" in text
    removed = brief_of(sample_ws, AS_OF, Snapshot(AS_OF, tuple(week46()[:-1])), Snapshot(W46, tuple(week46())),
                          lang="en").headline.scope
    assert (removed.added, removed.removed, removed.same_tasks_delta) == (0, 1, 0.0)


def test_a_database_without_week_records_still_gives_a_brief(tmp_path):
    """Merges made before the week record existed: the brief falls back to today's issue logs."""
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "PMO", [task("PMO", 1, due=D(2026, 12, 18))], W46, _risk("Open"))
    run(ws, W46)
    db = StateDB(ws.state_db)
    with db.transaction() as con:
        con.execute("DELETE FROM week_records")
    brief = make_brief(ws, W46, "en")
    assert [d.ref for d in brief.decisions if d.kind == "risk"] == ["PMO-R01"]
    assert brief.notice("dependencies") is None and brief.notice("actions_overdue") is None
