"""The plan record: what changed between two versions of a department's plan."""
from __future__ import annotations

import datetime as dt

from xlflow.plan.diff import PlanDiff, diff_plans
from xlflow.workdays import WorkCalendar

D = dt.date


def task(**values):
    base = {"name": "Design", "status": "in_progress", "start": D(2026, 11, 2), "due": D(2026, 12, 4),
            "owner": "Li", "owner_department": "RD", "percent": 50}
    return {**base, **values}


def test_every_kind_of_change_is_recorded_with_working_day_moves():
    old = {"RD-001": task(), "RD-002": task(status="done", percent=100), "RD-003": task(), "RD-007": task()}
    new = {"RD-001": task(due=D(2026, 12, 11), percent=40), "RD-002": task(status="in_progress", percent=100),
           "RD-003": task(name="Design review", owner="Wang"), "RD-009": task()}
    diff = diff_plans(old, new, WorkCalendar())
    assert diff.added == ("RD-009",) and diff.removed == ("RD-007",)
    assert diff.updated == ("RD-001", "RD-002", "RD-003")
    (due,) = diff.of("due")
    assert (due.old, due.new, due.days) == (D(2026, 12, 4), D(2026, 12, 11), 5)
    assert [c.task_id for c in diff.reversals] == ["RD-002"]
    assert [c.task_id for c in diff.percent_down] == ["RD-001"]
    assert {c.field for c in diff.changes if c.task_id == "RD-003"} == {"name", "owner"}
    text = diff.summary("en")
    assert text.startswith("3 tasks updated, 1 added (RD-009), 1 removed (RD-007)")
    assert "RD-001 due 12-04 → 12-11 (+5 working days)" in text and "RD-002 went back from done" in text
    assert "RD-001 percent complete down 50% → 40%" in text
    assert "删除 1 项（RD-007）" in diff.summary("zh")


def test_a_percent_read_from_a_cell_reads_as_the_workbook_shows_it():
    # the reader gives a percent cell as a float (50.0): the mail said "down 50.0 → 40.0"
    diff = diff_plans({"RD-001": task(percent=50.0)}, {"RD-001": task(percent=37.5)}, WorkCalendar())
    assert diff.summary("en").endswith("RD-001 percent complete down 50% → 37.5%")
    assert diff.summary("zh").endswith("RD-001 完成百分比下降 50% → 37.5%")


def test_the_record_survives_json_and_no_change_says_so():
    diff = diff_plans({"RD-001": task()}, {"RD-001": task(start=D(2026, 11, 9))}, WorkCalendar())
    assert PlanDiff.from_json(diff.to_json()) == diff
    same = diff_plans({"RD-001": task()}, {"RD-001": task(name=" Design ")}, WorkCalendar())
    assert same.empty and same.summary("en") == "no change from the current version"
