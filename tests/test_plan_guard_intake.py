"""The plan guards end to end, as departments really work: generated workbooks filled by labels,
dropped into the inbox and taken in by the real intake on given days; the verdict read back from
rejected/*.txt, the recorded submissions, the master and the .eml files in outbox/."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from openpyxl.packaging.custom import CustomPropertyList, StringProperty

from guard_e2e_helpers import (
    addresses,
    blank,
    body,
    label,
    last_mail,
    last_report,
    master_tasks,
    run_one,
    submit,
    task,
    workbook,
)
from validate_helpers import values_only_copy
from watch_helpers import make_ws
from xlflow.output.department import workbook_name
from xlflow.store.state import StateDB

W1, W2, W3 = dt.date(2026, 11, 13), dt.date(2026, 11, 20), dt.date(2026, 11, 27)  # three Fridays
COORDINATOR = ["pmo@example.com"]
RD_MAIL = ["rd@example.com"]


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


def rd_v1(ws, rows=None):
    """R&D's first accepted version (three tasks, one done), received on W1."""
    rows = rows or [task("RD", 1), task("RD", 2), task("RD", 3, status=label("done"), percent=100)]
    submit(ws, "RD", rows, W1)
    outcome = run_one(ws, W1)
    assert (outcome.result, outcome.version) == ("accepted", 1), last_report(ws)
    return rows


@pytest.mark.parametrize("lang, said, not_said", [
    ("en", "This is your plan's first version, 3 tasks", "Compared with the previous version"),
    ("zh", "本次为首次提交，共 3 项任务", "与上一版相比")])
def test_a_first_version_is_not_compared_with_a_previous_one(ws, lang, said, not_said):
    submit(ws, "RD", [task("RD", 1), task("RD", 2), task("RD", 3)], W1)
    assert run_one(ws, W1, lang=lang).version == 1
    text = body(last_mail(ws))
    assert said in text and not_said not in text, text
    submit(ws, "RD", [task("RD", 1, percent=10), task("RD", 2), task("RD", 3)], W2)
    assert run_one(ws, W2, lang=lang).version == 2
    assert not_said in body(last_mail(ws))  # a later version is


# --- one guard at a time --------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", ["older version", "version 1", "2026-11-13"]),
    ("zh", ["旧版本", "第 1 版", "2026-11-13"])])
def test_an_older_update_date_is_rejected_naming_the_current_version(ws, lang, words):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1, status=label("done"), percent=100)], dt.date(2026, 11, 6), name="rd-old.xlsx")
    outcome = run_one(ws, W2, lang=lang)
    assert outcome.result == "rejected" and outcome.department == "RD"
    report = last_report(ws)
    line = next(x for x in report.splitlines() if "[older-version]" in x)
    assert "B4" in line and workbook_name(ws, "RD", "en") in line
    assert all(w in line for w in words), line
    mail = last_mail(ws)
    assert addresses(mail, "To") == RD_MAIL and addresses(mail, "Cc") == COORDINATOR
    assert "WBS!B4" in body(mail) and words[1] in body(mail)
    assert StateDB(ws.state_db).accepted_version("RD") == 1
    assert master_tasks(ws)["RD-003"] == "Done"  # the master keeps the current plan


def test_a_future_update_date_is_a_warning(ws):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1), task("RD", 2), task("RD", 3, status=label("done"), percent=100)],
           dt.date(2026, 12, 20))
    outcome = run_one(ws, W2)
    assert (outcome.result, outcome.version, outcome.warnings) == ("accepted", 2, 1)
    mail = last_mail(ws)
    assert addresses(mail, "To") == RD_MAIL and addresses(mail, "Cc") == []
    text = body(mail)
    assert "WBS!B4" in text and "2026-12-20" in text and "2026-11-20" in text


def test_the_update_date_is_required_on_every_submission(ws):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1), task("RD", 2), task("RD", 3, status=label("done"), percent=100)], None)
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected"
    report = last_report(ws)
    assert any("B4" in x and "ERROR" in x and "Update date" in x for x in report.splitlines()), report
    assert addresses(last_mail(ws), "To") == RD_MAIL


def test_a_wbs_without_tasks_does_not_replace_a_plan_with_tasks(ws):
    rd_v1(ws)
    submit(ws, "RD", [], W2)
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected"
    report = last_report(ws)
    assert "[plan-withdrawn]" in report and "3 tasks" in report and "version 1" in report
    mail = last_mail(ws)
    assert addresses(mail, "To") == RD_MAIL and addresses(mail, "Cc") == COORDINATOR
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-002", "RD-003"]


def test_the_blank_generated_workbook_against_a_current_plan(ws):
    """A department drops the blank workbook it was sent (no update date, no tasks): rejected, and
    nothing is removed from the master."""
    rd_v1(ws)
    shutil.copyfile(blank(ws, "RD"), ws.folder("inbox") / workbook_name(ws, "RD", "en"))
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected"
    report = last_report(ws)
    assert "B4" in report
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-002", "RD-003"]
    assert StateDB(ws.state_db).accepted_version("RD") == 1
    assert addresses(last_mail(ws), "To") == RD_MAIL


def test_the_blank_workbook_with_only_a_date_is_a_withdrawn_plan(ws):
    rd_v1(ws)
    workbook(ws, "RD", [], W2, ws.folder("inbox") / "rd.xlsx")
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected" and "[plan-withdrawn]" in last_report(ws)
    assert addresses(last_mail(ws), "Cc") == COORDINATOR
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-002", "RD-003"]


def test_removed_tasks_are_listed_in_the_feedback(ws):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1), task("RD", 3, status=label("done"), percent=100)], W2)
    outcome = run_one(ws, W2)
    assert (outcome.result, outcome.version) == ("accepted", 2)
    text = body(last_mail(ws))
    assert "1 task was removed" in text and "RD-002" in text
    assert "1 removed (RD-002)" in text
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-003"]


def test_removing_a_task_another_department_depends_on(ws):
    rd_v1(ws)
    submit(ws, "MK", [task("MK", 1, predecessors="RD-002")], W1)
    assert run_one(ws, W1).result == "accepted"
    submit(ws, "RD", [task("RD", 1), task("RD", 3, status=label("done"), percent=100)], W2)
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected"
    report = last_report(ws)
    line = next(x for x in report.splitlines() if "[removed-task-needed]" in x)
    assert "RD-002" in line and "MK-001" in line and "ERROR" in line
    mail = last_mail(ws)
    assert addresses(mail, "To") == RD_MAIL and addresses(mail, "Cc") == COORDINATOR
    assert "MK-001" in body(mail)
    assert "RD-002" in master_tasks(ws)


def test_a_done_task_reported_not_done_is_a_warning_at_its_status_cell(ws):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1), task("RD", 2), task("RD", 3)], W2)
    outcome = run_one(ws, W2)
    assert (outcome.result, outcome.warnings) == ("accepted", 1)
    text = body(last_mail(ws))
    assert "WBS!H10" in text and 'RD-003 is "Done"' in text
    assert "RD-003 went back from Done to In progress" in text


def test_owner_department_naming_another_department(ws):
    rd_v1(ws)
    submit(ws, "RD", [task("RD", 1), task("RD", 2, owner_department="Marketing"),
                      task("RD", 3, status=label("done"), percent=100)], W2)
    outcome = run_one(ws, W2)
    assert outcome.result == "accepted"
    text = body(last_mail(ws))
    line = next(x for x in text.splitlines() if "WBS!C9" in x)
    assert "Marketing" in line and "R&D" in line and "RD-002" in line


def test_predecessors_unknown_in_the_whole_project(ws):
    submit(ws, "MK", [task("MK", 1)], W1)
    assert run_one(ws, W1).result == "accepted"
    submit(ws, "RD", [task("RD", 1, predecessors="MK-001"), task("RD", 2, predecessors="MK-009")], W1)
    outcome = run_one(ws, W1)
    assert (outcome.result, outcome.warnings) == ("accepted", 1)
    text = body(last_mail(ws))
    line = next(x for x in text.splitlines() if "MK-009" in x)
    assert "WBS!G9" in line and "RD-002" in line
    assert "MK-001" not in text


# --- whose workbook is it? --------------------------------------------------------------------------

OTHER_HEADER = "Project: Old Kettle Care (OLD-2025) | Department: R&D (RD) | Period: 2025-01-01 ~ 2025-06-30"


def test_a_workbook_of_another_project_known_by_its_header_line(ws, tmp_path):
    rd_v1(ws)
    filled = workbook(ws, "RD", [task("RD", 1)], W2, tmp_path / "filled.xlsx")
    values_only_copy(filled, ws.folder("inbox") / workbook_name(ws, "RD", "en"), header=OTHER_HEADER)
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected"
    assert "[wrong-project]" in last_report(ws) and "OLD-2025" in last_report(ws)
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-002", "RD-003"]


def test_stamps_that_disagree_are_answered_to_the_coordinator(ws, tmp_path):
    rd_v1(ws)
    filled = workbook(ws, "RD", [task("RD", 1)], W2, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(filled)
    props = CustomPropertyList()
    for p in book.custom_doc_props:
        props.append(StringProperty(name=p.name, value="MK") if p.name == "xlflow_department" else p)
    book.custom_doc_props = props
    book.save(ws.folder("inbox") / workbook_name(ws, "RD", "en"))
    outcome = run_one(ws, W2)
    assert outcome.result == "rejected" and outcome.department is None
    assert "[conflicting-stamps]" in last_report(ws)
    mail = last_mail(ws)
    assert addresses(mail, "To") == COORDINATOR  # the real sender is unknown
    assert "MK" in body(mail) and "RD" in body(mail)
    assert StateDB(ws.state_db).accepted_version("RD") == 1 and StateDB(ws.state_db).accepted_version("MK") == 0
    assert sorted(master_tasks(ws)) == ["RD-001", "RD-002", "RD-003"]


def test_finance_types_its_tasks_into_customer_services_workbook(ws):
    """FN's tasks in CS's workbook: rejected for the task IDs, the mail goes to CS only and nothing of
    Finance reaches the master; renumbered as CS tasks but still owned by Finance, they are accepted
    with a warning at each owner department cell."""
    submit(ws, "CS", [task("FN", 1, owner_department="Finance"), task("FN", 2, owner_department="Finance")], W1)
    outcome = run_one(ws, W1)
    assert (outcome.result, outcome.department, outcome.errors) == ("rejected", "CS", 2)
    mail = last_mail(ws)
    assert addresses(mail, "To") == ["service@example.com"] and addresses(mail, "Cc") == []
    text = body(mail)
    assert "WBS!A8" in text and "FN-001" in text and "CS-" in text and "WBS!A9" in text
    assert StateDB(ws.state_db).accepted_version("CS") == 0 == StateDB(ws.state_db).accepted_version("FN")

    submit(ws, "CS", [task("CS", 1, owner_department="Finance"), task("CS", 2, owner_department="Finance")], W1)
    outcome = run_one(ws, W1, hour=11)
    assert (outcome.result, outcome.warnings) == ("accepted", 2)
    text = body(last_mail(ws))
    for cell in ("WBS!C8", "WBS!C9"):
        line = next(x for x in text.splitlines() if cell in x)
        assert "Finance" in line and "Customer Service" in line
    assert sorted(master_tasks(ws)) == ["CS-001", "CS-002"]


# --- duplicates -------------------------------------------------------------------------------------

def test_a_copy_of_the_current_version_is_no_change(ws):
    rd_v1(ws)
    shutil.copyfile(ws.folder("accepted") / "RD.xlsx", ws.folder("inbox") / "again.xlsx")
    outcome = run_one(ws, W2)
    assert outcome.result == "duplicate"
    mail = last_mail(ws)
    assert addresses(mail, "To") == RD_MAIL
    assert "no change" in body(mail).lower() or "nothing" in body(mail).lower(), body(mail)
    assert StateDB(ws.state_db).accepted_version("RD") == 1


def test_a_copy_of_an_older_version_is_an_older_version(ws, tmp_path):
    rd_v1(ws)
    first = tmp_path / "rd-v1.xlsx"
    shutil.copyfile(ws.folder("accepted") / "RD.xlsx", first)
    submit(ws, "RD", [task("RD", 1, status=label("done"), percent=100), task("RD", 2),
                      task("RD", 3, status=label("done"), percent=100)], W2)
    assert run_one(ws, W2).version == 2
    shutil.copyfile(first, ws.folder("inbox") / "rd-resent.xlsx")
    outcome = run_one(ws, W3)
    assert outcome.result == "rejected"
    line = next(x for x in last_report(ws).splitlines() if "[older-version]" in x)
    assert "version 2" in line and "2026-11-20" in line and "B4" in line
    mail = last_mail(ws)  # the department and the coordinator are told, as for any older version
    assert addresses(mail, "To") == RD_MAIL and addresses(mail, "Cc") == COORDINATOR
    assert master_tasks(ws)["RD-001"] == "Done"
