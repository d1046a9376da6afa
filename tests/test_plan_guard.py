"""The plan guards on real checked submissions: a generated workbook filled as a department would,
checked, then compared with the department's current version (another checked submission) and the
project's plan (other departments' checked submissions)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from validate_helpers import fill, task
from xlflow.check.validate import check_file
from xlflow.plan.guard import (
    CurrentVersion,
    GuardResult,
    acceptance_line,
    guard_submission,
    older_duplicate_finding,
    project_tasks_of,
)
from xlflow.workdays import WorkCalendar

D = dt.date
TODAY = D(2026, 11, 27)
CAL = WorkCalendar()

AS_OF_DAY = D(2026, 11, 20)


@pytest.fixture
def submit(sample_ws, blank_workbook, tmp_path: Path):
    """submit(name, rows, dept="RD", update=date|None) -> the checked Submission of a filled workbook."""

    def make(name: str, rows: list[dict], dept: str = "RD", update: D | None = AS_OF_DAY, lang: str = "zh"):
        card = {"update_date": update} if update else {}
        path = fill(sample_ws, blank_workbook(dept, lang), tmp_path / f"{name}.xlsx",
                    {"wbs": {"card": card, "tables": {"tasks": rows}}})
        return check_file(path, sample_ws)

    return make


@pytest.fixture
def week1(submit):
    """RD's current accepted plan: three tasks, RD-002 done."""
    sub = submit("rd-week1", [task(1), task(2, status="已完成", percent=100), task(3)], update=D(2026, 11, 13))
    assert sub.valid, sub.report.flatten()
    return sub


@pytest.fixture
def mk(submit):
    """Marketing's current plan: MK-001 waits for RD-003."""
    sub = submit("mk", [task(1, "MK", owner_department="市场部", predecessors="RD-003")], dept="MK")
    assert sub.valid, sub.report.flatten()
    return sub


def run(sub, current_sub=None, others=(), today=TODAY, version=3, ws=None) -> GuardResult:
    current = CurrentVersion.of(current_sub, version) if current_sub is not None else None
    project = project_tasks_of([*([current_sub] if current_sub is not None else []), *others])
    return guard_submission(sub, current, project, today, CAL, ws.department_names() if ws else ())


def pairs(result: GuardResult) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in result.findings]


def cell(sub, task_id: str, key: str) -> str:
    return next(r.cells[key] for r in sub.data.rows("wbs", "tasks") if r.values["task_id"] == task_id)


def date_cell(sub) -> str:
    return sub.data.forms["wbs"].card_cells["update_date"]


def test_an_unchanged_resubmission_passes_with_an_empty_diff(submit, week1, mk):
    again = submit("rd-again", [task(1), task(2, status="已完成", percent=100), task(3)], update=D(2026, 11, 20))
    result = run(again, week1, [mk])
    assert pairs(result) == [] and result.accepted and result.diff.empty


def test_update_date_missing_on_the_blank_workbook_is_an_error_at_its_cell(submit, week1):
    blank = submit("blank", [], update=None)
    assert blank.valid  # the check lets an untouched workbook through
    result = run(blank, None)
    assert pairs(result) == [("update-date-missing", "B4")] == [("update-date-missing", date_cell(blank))]
    assert not result.accepted and result.diff is None


def test_a_missing_date_the_check_already_reported_is_not_reported_twice(submit, week1):
    sub = submit("no-date", [task(1), task(2, status="已完成", percent=100), task(3)], update=None)
    assert ("required", date_cell(sub)) in sub.report.flatten()
    assert pairs(run(sub, week1)) == []


def test_an_older_update_date_is_an_older_version_naming_the_current_one(submit, week1):
    old = submit("rd-week0", [task(1), task(2), task(3)], update=D(2026, 11, 6))
    result = run(old, week1, version=3)
    assert pairs(result)[0] == ("older-version", date_cell(old))
    text = result.findings[0].message("en")
    assert "version 3" in text and "2026-11-13" in text and "rd-week1.xlsx" in text
    assert "第 3 版" in result.findings[0].message("zh")
    assert not result.accepted


def test_an_identical_older_file_is_reported_the_same_way(week1):
    """The intake finds the duplicate by sha256; the finding is rule 2's, at the same cell."""
    f = older_duplicate_finding(4, D(2026, 11, 20), "RD_week47.xlsx", week1)
    assert (f.code, f.severity, f.sheet, f.cell) == ("older-version", "error", "任务分解表", date_cell(week1))
    assert (f.field, f.value) == ("更新日期", "2026-11-13")
    assert "version 4" in f.message("en") and "RD_week47.xlsx" in f.message("zh") and "2026-11-20" in f.message("en")
    bare = older_duplicate_finding(4, None, "RD_week47.xlsx")
    assert (bare.sheet, bare.cell) == (None, None) and "—" in bare.message("zh")


def test_an_update_date_after_today_is_a_warning(submit, week1):
    sub = submit("rd-future", [task(1), task(2, status="已完成", percent=100), task(3)], update=D(2026, 12, 20))
    result = run(sub, week1)
    assert pairs(result) == [("update-date-future", date_cell(sub))] and result.accepted
    assert "2026-12-20" in result.findings[0].message("zh") and "2026-11-27" in result.findings[0].message("en")


def test_the_blank_workbook_against_a_current_plan_withdraws_nothing(submit, week1, mk):
    blank = submit("blank", [], update=None)
    result = run(blank, week1, [mk])
    assert pairs(result) == [("update-date-missing", date_cell(blank)), ("plan-withdrawn", None)]
    assert result.diff.removed == ("RD-001", "RD-002", "RD-003") and not result.accepted
    text = result.findings[1].message("en")
    assert "coordinator" in text and "3 tasks" in text and "协调人" in result.findings[1].message("zh")


def test_removed_tasks_are_listed_and_removing_a_dependency_of_another_department_is_an_error(submit, week1, mk):
    sub = submit("rd-less", [task(2, status="已完成", percent=100)], update=D(2026, 11, 20))
    result = run(sub, week1, [mk])
    assert pairs(result) == [("tasks-removed", None), ("removed-task-needed", None)]
    listed, needed = result.findings
    assert listed.severity == "warning" and "RD-001, RD-003" in listed.message("en")
    assert needed.is_error and needed.params["dependents"] == "MK-001" and "MK-001" in needed.message("zh")


def test_a_done_task_reported_as_not_done_is_a_warning_at_its_status_cell(submit, week1):
    sub = submit("rd-reopen", [task(1), task(2), task(3)], update=D(2026, 11, 20))
    result = run(sub, week1)
    assert pairs(result) == [("done-reopened", cell(sub, "RD-002", "status"))]
    # statuses as the workbook (zh) shows them, whatever the language of the mail
    assert result.findings[0].params["old"] == "已完成" and result.findings[0].value == "进行中"
    assert "is \"已完成\" in the current version" in result.findings[0].message("en")


def test_an_owner_department_of_another_department_is_a_warning_at_its_cell(sample_ws, submit, week1):
    rows = [task(1), task(2, status="已完成", percent=100), task(3, owner_department="财务部")]
    sub = submit("rd-finance", rows)
    result = run(sub, week1, ws=sample_ws)
    assert pairs(result) == [("owner-department-other", cell(sub, "RD-003", "owner_department"))]
    assert "“财务部”，但这是研发部的工作簿" in result.findings[0].message("zh")
    english = submit("rd-finance-en", [task(1, owner_department="Finance")], lang="en")
    (found,) = run(english, None, ws=sample_ws).findings
    assert (found.code, found.cell, found.field, found.value) == ("owner-department-other", "C8",
                                                                  "Owner department", "Finance")
    assert "but this is R&D's workbook" in found.message("en")


def test_predecessors_unknown_in_the_project_are_warnings_but_not_twice(submit, week1, mk):
    rows = [task(1, predecessors="MK-001, MK-009"), task(2, status="已完成", percent=100, predecessors="RD-003"),
            task(3, predecessors="RD-099, ZZ-001")]
    sub = submit("rd-preds", rows)
    checked = [(f.code, f.value) for f in sub.report.findings]
    assert ("unknown-predecessor", "RD-099") in checked and ("predecessor-department", "ZZ-001") in checked
    result = run(sub, week1, [mk])
    assert pairs(result) == [("predecessor-not-in-project", cell(sub, "RD-001", "predecessors"))]
    assert result.findings[0].value == "MK-009" and "MK-009" in result.findings[0].message("en")


def test_a_first_submission_has_no_diff_and_only_the_date_owner_and_predecessor_guards(submit, mk):
    rows = [task(1, predecessors="MK-042"), task(2, owner_department="市场部", predecessors="SA-004")]
    sub = submit("rd-first", rows, update=D(2026, 12, 1))  # SA has no plan yet: SA-004 cannot be judged
    result = guard_submission(sub, None, project_tasks_of([mk]), TODAY, CAL)
    assert result.diff is None
    assert pairs(result) == [("update-date-future", date_cell(sub)),
                             ("owner-department-other", cell(sub, "RD-002", "owner_department")),
                             ("predecessor-not-in-project", cell(sub, "RD-001", "predecessors"))]
    assert acceptance_line(result, "en", task_count=2) == "first version, 2 tasks"


def test_every_guard_finding_renders_in_both_languages(submit, week1, mk):
    blank = submit("blank", [], update=None)
    sub = submit("rd-mixed", [task(2, owner_department="财务部", predecessors="MK-009")], update=D(2026, 11, 6))
    findings = run(blank, week1, [mk]).findings + run(sub, week1, [mk]).findings
    assert {f.code for f in findings} == {"update-date-missing", "plan-withdrawn", "older-version", "tasks-removed",
                                          "removed-task-needed", "done-reopened", "owner-department-other",
                                          "predecessor-not-in-project"}
    for f in findings:
        for lang in ("zh", "en"):
            text = f.message(lang)
            assert text and "{" not in text, (f.code, lang, text)


def test_the_acceptance_line_shows_statuses_as_labels_in_the_workbooks_language(submit, week1):
    rows = [task(1, due=D(2026, 11, 6)), task(2), task(4)]
    sub = submit("rd-next", rows)
    result = run(sub, week1)
    zh, en = acceptance_line(result, "zh"), acceptance_line(result, "en")
    assert en.startswith("2 tasks updated, 1 added (RD-004), 1 removed (RD-003)")
    assert "RD-001 due 10-30 → 11-06 (+5 working days)" in en
    assert "RD-002 went back from Done to In progress" in en
    assert "RD-002 状态由已完成退回为进行中" in zh
