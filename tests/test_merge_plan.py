"""The merge model on small known inputs: health, delays, links, cycles, critical path, collisions."""
import datetime as dt

import pytest

from merge_helpers import D, catalog_with_status, make_ws, submission, task
from xlflow.plan.build import build_plan
from xlflow.plan.model import (
    AMBIGUOUS,
    BROKEN,
    COLLISION,
    CYCLE,
    SCHEDULED_EARLY,
    STARTED_EARLY,
    status_codes,
)

AS_OF = D(2026, 11, 20)  # a Friday


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


def by_id(plan):
    return {(t.department, t.task_id): t for t in plan.tasks}


def test_health_and_effective_status_from_dates(ws):
    plan = build_plan([submission("RD", [
        task("RD-1", D(2026, 11, 2), D(2026, 11, 13), "in_progress"),  # past due: delayed whatever it says
        task("RD-2", D(2026, 11, 2), D(2026, 11, 13), "blocked", reason="waiting"),  # past due: delayed too
        task("RD-3", D(2026, 11, 2), D(2026, 11, 25), "in_progress"),  # 3 working days: due soon
        task("RD-4", D(2026, 11, 2), D(2026, 12, 31), "not_started"),  # on track
        task("RD-5", D(2026, 11, 2), D(2026, 11, 13), "done"),  # done, even past due
        task("RD-6", D(2026, 11, 2), AS_OF, "in_progress"),  # due today: 0 days to due, not late
    ])], ws, AS_OF)
    t = by_id(plan)
    r1 = t[("RD", "RD-1")]
    assert (r1.status, r1.effective_status, r1.health, r1.days_late, r1.days_to_due) == \
        ("in_progress", "delayed", "overdue", 5, None)
    assert (t[("RD", "RD-2")].status, t[("RD", "RD-2")].effective_status, t[("RD", "RD-2")].health) == \
        ("blocked", "delayed", "overdue")
    assert (t[("RD", "RD-3")].health, t[("RD", "RD-3")].days_to_due) == ("due_soon", 3)
    assert t[("RD", "RD-4")].health == "on_track"
    assert (t[("RD", "RD-5")].effective_status, t[("RD", "RD-5")].health, t[("RD", "RD-5")].days_late) == \
        ("done", "done", None)
    assert (t[("RD", "RD-6")].health, t[("RD", "RD-6")].days_to_due, t[("RD", "RD-6")].days_late) == \
        ("due_soon", 0, None)
    stats = plan.stats["RD"]
    assert stats.by_status == {"not_started": 1, "in_progress": 2, "done": 1, "delayed": 2, "blocked": 0}
    assert (stats.overdue, stats.blocked, stats.tasks) == (2, 1, 6)  # blocked: as reported, late or not
    assert [x.task_id for x in plan.delays()] == ["RD-1", "RD-2"]


def test_days_late_skips_the_national_day_holiday(ws):
    plan = build_plan([submission("RD", [task("RD-1", D(2026, 9, 1), D(2026, 9, 30))])], ws, D(2026, 10, 9))
    assert plan.tasks[0].days_late == 2


def test_due_soon_counts_working_days(ws):
    # 11 calendar days ahead, but the National Day week lies between: 4 working days (29, 30 Sep,
    # 8, 9 Oct), inside the 5-day window
    plan = build_plan([submission("RD", [task("RD-1", D(2026, 9, 1), D(2026, 10, 9))])], ws, D(2026, 9, 28))
    assert plan.tasks[0].health == "due_soon"
    assert plan.tasks[0].days_to_due == 4


def test_sorted_by_department_order_then_natural_id(ws):
    plan = build_plan([
        submission("MK", [task("MK-10", D(2026, 11, 2), D(2026, 12, 1)), task("MK-2", D(2026, 11, 2), D(2026, 12, 1))]),
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 12, 1))]),
    ], ws, AS_OF)
    assert [t.task_id for t in plan.tasks] == ["RD-1", "MK-2", "MK-10"]


def test_links_broken_and_cross_department(ws):
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 27)),
                          task("RD-2", D(2026, 11, 30), D(2026, 12, 10), "not_started", ("RD-1",))]),
        submission("MK", [task("MK-1", D(2026, 12, 1), D(2026, 12, 15), "not_started", ("RD-1", "XX-9"))]),
    ], ws, AS_OF)
    t = by_id(plan)
    rd1 = t[("RD", "RD-1")]
    assert [s.task_id for s in rd1.successors_other_depts] == ["MK-1"]
    assert [(p.task_id, s.task_id) for p, s in plan.cross_links] == [("RD-1", "MK-1")]
    assert [p.task_id for p in t[("MK", "MK-1")].open_predecessors] == ["RD-1"]
    broken = [p for p in plan.problems if p.kind == BROKEN]
    assert [(p.department, p.task_id, p.other_task_id) for p in broken] == [("MK", "MK-1", "XX-9")]


def test_started_while_predecessor_open_and_scheduled_before_its_due(ws):
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 27))]),
        submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 12, 15), "in_progress", ("RD-1",), percent=20),
                          task("MK-2", D(2026, 11, 23), D(2026, 12, 15), "not_started", ("RD-1",)),
                          task("MK-3", D(2026, 11, 30), D(2026, 12, 15), "not_started", ("RD-1",))]),
    ], ws, AS_OF)
    kinds = {(p.kind, p.task_id, p.other_task_id) for p in plan.problems}
    assert kinds == {(STARTED_EARLY, "MK-1", "RD-1"), (SCHEDULED_EARLY, "MK-2", "RD-1")}


def test_cycle_is_found_and_does_not_hang(ws):
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 27), preds=("MK-1",)),
                          task("RD-2", D(2026, 11, 2), D(2026, 11, 27), preds=("RD-2",))]),
        submission("MK", [task("MK-1", D(2026, 11, 2), D(2026, 11, 27), preds=("RD-1",))]),
    ], ws, AS_OF)
    cycles = sorted(sorted(t.task_id for t in c) for c in plan.cycles)
    assert cycles == [["MK-1", "RD-1"], ["RD-2"]]
    assert sum(p.kind == CYCLE for p in plan.problems) == 2


def test_collision_is_reported_and_both_tasks_kept(ws):
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 27)), dict(task("WBS-1", D(2026, 11, 2), D(2026, 11, 27)))]),
        submission("MK", [task("WBS-1", D(2026, 11, 2), D(2026, 11, 27)),
                          task("MK-1", D(2026, 12, 1), D(2026, 12, 9), "not_started", ("WBS-1",))]),
        submission("PMO", [task("PMO-1", D(2026, 12, 1), D(2026, 12, 9), "not_started", ("WBS-1",))]),
    ], ws, AS_OF)
    assert plan.collisions == {"WBS-1": ["RD", "MK"]}
    assert sum(t.task_id == "WBS-1" for t in plan.tasks) == 2
    assert any(p.kind == COLLISION and p.task_id == "WBS-1" for p in plan.problems)
    # MK-1 means its own department's WBS-1; PMO-1 cannot tell which one
    mk1 = by_id(plan)[("MK", "MK-1")]
    assert [(p.department, p.task_id) for p in mk1.predecessors] == [("MK", "WBS-1")]
    assert [(p.kind, p.task_id) for p in plan.problems if p.kind == AMBIGUOUS] == [(AMBIGUOUS, "PMO-1")]


def test_critical_path_is_the_open_chain_that_ends_last(ws):
    # RD-1 -> MK-1 -> PMO-1 is the long chain; RD-2 -> MK-2 ends earlier; RD-0 is done
    plan = build_plan([
        submission("RD", [task("RD-0", D(2026, 11, 2), D(2026, 11, 6), "done"),
                          task("RD-1", D(2026, 11, 9), D(2026, 11, 27), preds=("RD-0",)),
                          task("RD-2", D(2026, 11, 9), D(2026, 11, 20))]),
        submission("MK", [task("MK-1", D(2026, 11, 30), D(2026, 12, 11), "not_started", ("RD-1",)),
                          task("MK-2", D(2026, 11, 23), D(2026, 11, 27), "not_started", ("RD-2",))]),
        submission("PMO", [task("PMO-1", D(2026, 12, 14), D(2026, 12, 18), "not_started", ("MK-1", "MK-2"))]),
    ], ws, AS_OF)
    assert [t.task_id for t in plan.critical_path] == ["RD-1", "MK-1", "PMO-1"]
    assert plan.end_date == D(2026, 12, 18)


def test_critical_path_ties_cycles_and_tasks_without_links(ws):
    # MK-1 waits for RD-2 and RD-1, both due 27 Nov: the first listed drives it. PMO-1 and PMO-2 wait
    # for each other: they keep their own dates, and so does PMO-3 after PMO-2. RD-3 has no link.
    plan = build_plan([
        submission("PMO", [task("PMO-1", D(2026, 11, 16), D(2026, 11, 25), preds=("PMO-2",)),
                           task("PMO-2", D(2026, 11, 16), D(2026, 11, 25), preds=("PMO-1",)),
                           task("PMO-3", D(2026, 11, 16), D(2026, 11, 24), preds=("PMO-2",))]),
        submission("RD", [task("RD-1", D(2026, 11, 16), D(2026, 11, 27)),
                          task("RD-2", D(2026, 11, 16), D(2026, 11, 27)),
                          task("RD-3", D(2026, 11, 2), D(2026, 11, 13))]),
        submission("MK", [task("MK-1", D(2026, 11, 30), D(2026, 12, 4), "not_started", ("RD-2", "RD-1"))]),
    ], ws, AS_OF)
    finish = {t.task_id: t.projected_finish for t in plan.tasks}
    assert [t.task_id for t in plan.critical_path] == ["RD-2", "MK-1"]
    assert plan.end_date == finish["MK-1"] == D(2026, 12, 4)  # 5 working days after 27 Nov
    assert (finish["PMO-1"], finish["PMO-2"], finish["PMO-3"]) == (D(2026, 11, 25), D(2026, 11, 25), D(2026, 11, 24))
    assert finish["RD-3"] == AS_OF  # late: as_of
    assert [c.task_id for c in plan.cycles[0]] == ["PMO-1", "PMO-2"]


def test_late_predecessor_pushes_the_projected_end(ws):
    # RD-1 was due 13 Nov and is open on 20 Nov; MK-1 (5 working days) can only end 5 days after it
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 13))]),
        submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 11, 20), "not_started", ("RD-1",))]),
    ], ws, AS_OF)
    assert [t.task_id for t in plan.critical_path] == ["RD-1", "MK-1"]
    assert plan.end_date == D(2026, 11, 27)


def test_invalid_submission_is_listed_not_merged_and_not_submitted_is_found(ws):
    old = dt.datetime(2026, 11, 10, 9, 0)
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 27))]),
        submission("MK", [task("MK-1", D(2026, 11, 2), D(2026, 11, 27))], errors=2),
        submission("PMO", [task("PMO-1", D(2026, 11, 2), D(2026, 11, 27))], received=old),
    ], ws, AS_OF)
    assert [t.task_id for t in plan.tasks] == ["PMO-1", "RD-1"]
    results = {i.department: (i.result, i.errors, i.tasks) for i in plan.submissions}
    assert results == {"RD": ("accepted", 0, 1), "MK": ("rejected", 2, 0), "PMO": ("accepted", 0, 1)}
    assert plan.not_submitted == ["PMO", "MK"]
    assert plan.week_start == D(2026, 11, 16)


def test_side_tables_are_merged_with_their_department(ws):
    plan = build_plan([
        submission("RD", [], raci=[{"item": "Spec review", "raci:RD": "A", "raci:MK": "R"}],
                   issues=[{"issue_id": "RD-R1", "kind": "risk", "description": "Supplier late", "raised_by": "RD",
                            "raised_date": D(2026, 11, 2), "impact": "high", "owner": "Li",
                            "deadline": D(2026, 11, 10), "status": "open"}],
                   actions=[{"item": "Confirm spec", "owner_department": "MK", "owner": "Zhang",
                             "due": D(2026, 11, 30), "status": "in_progress"}],
                   meeting={"meeting_name": "Week 47", "meeting_type": "weekly", "date": D(2026, 11, 16)}),
    ], ws, AS_OF)
    assert [(r.department, r.values["raci:RD"]) for r in plan.raci] == [("RD", "A")]
    assert plan.issues[0].overdue and plan.issues[0].department == "RD"
    action = plan.actions[0]
    assert (action.values["meeting_name"], action.values["meeting_date"], action.overdue) == \
        ("Week 47", D(2026, 11, 16), False)


def test_snapshot_rows_carry_what_the_state_db_needs(ws):
    plan = build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 13), reason="short of staff")]),
        submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 11, 30), "not_started", ("RD-1",))]),
    ], ws, AS_OF)
    row = next(r for r in plan.snapshot_rows() if r["task_id"] == "RD-1")
    assert row == {"department": "RD", "task_id": "RD-1", "name": "Task RD-1", "owner": "Wang",
                   "owner_department": "RD", "status": "delayed", "reported_status": "in_progress",
                   "health": "overdue", "percent": 0.0, "start": D(2026, 11, 2), "due": D(2026, 11, 13),
                   "reason": "short of staff", "predecessors": [], "successors_other_depts": ["MK-1"],
                   "days_late": 5, "actual_finish": None}


def test_a_status_added_to_the_spec_is_counted(ws, tmp_path):
    catalog = catalog_with_status(tmp_path / "spec")
    assert status_codes(catalog)[-1] == "on_hold" and "on_hold" not in status_codes()
    plan = build_plan([submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 12, 4), "on_hold"),
                                         task("RD-2", D(2026, 11, 2), D(2026, 12, 4))])], ws, AS_OF, catalog=catalog)
    assert plan.statuses == status_codes(catalog)
    assert plan.totals().by_status == {"not_started": 0, "in_progress": 1, "done": 0, "delayed": 0, "blocked": 0,
                                       "on_hold": 1}
    assert plan.stats["RD"].by_status["on_hold"] == 1 and plan.stats["MK"].by_status["on_hold"] == 0
