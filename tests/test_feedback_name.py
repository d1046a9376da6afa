"""The annotated copy keeps the department's own file name ("-feedback" at most), so the stamped
name of rejected/ never spreads to the acceptance mail, the master's File column and status."""
from __future__ import annotations

import datetime as dt

from guard_e2e_helpers import body, label, mails, run, submit, task, workbook
from xlflow.cli.watch import status_lines
from xlflow.output.notify import feedback_name
from xlflow.service.scaffold import init_workspace
from xlflow.service.staging import shown_name
from xlflow.service.status import workspace_status

DAY = dt.date(2026, 11, 18)


def test_the_names_a_clerk_sees():
    assert feedback_name("OM-2027_FAC_Facilities.xlsx") == "OM-2027_FAC_Facilities-feedback.xlsx"
    assert feedback_name("OM-2027_FAC_Facilities-feedback.xlsx") == "OM-2027_FAC_Facilities-feedback.xlsx"
    assert shown_name("20261207-132447_FAC_9df187bc_OM-2027_FAC_Facilities.xlsx") == "OM-2027_FAC_Facilities.xlsx"
    assert shown_name("20261207-132447_report.xlsx") == "20261207-132447_report.xlsx"  # not our stamp


def test_a_corrected_feedback_copy_is_accepted_under_the_departments_own_name(tmp_path):
    ws = init_workspace(tmp_path / "ws", "en", sample=True)
    submit(ws, "RD", [task("RD", 1, status=label("done"), percent=10)], DAY, name="rd-plan.xlsx")
    (outcome,) = run(ws, DAY)
    assert outcome.result == "rejected"
    (rejection,) = mails(ws)
    (attachment,) = rejection.iter_attachments()
    assert attachment.get_filename() == "rd-plan-feedback.xlsx"
    stamped = next(p for p in ws.folder("rejected").glob("*.xlsx"))  # the long-named copy, as a clerk may drop it
    assert stamped.name.endswith("_rd-plan.xlsx") and stamped.name != "rd-plan.xlsx"
    workbook(ws, "RD", [task("RD", 1)], DAY, ws.folder("inbox") / stamped.name, src=stamped)
    (outcome,) = run(ws, DAY, hour=11)
    assert outcome.result == "accepted"
    acceptance = mails(ws)[-1]
    assert "Accepted: rd-plan.xlsx" in acceptance["Subject"] and stamped.name not in body(acceptance)
    status = "\n".join(status_lines(ws, workspace_status(ws, dt.datetime.now().astimezone()), "en"))
    assert "rd-plan.xlsx" in status and stamped.name not in status
    import openpyxl

    sheet = openpyxl.load_workbook(next(ws.folder("master").glob("*-master.xlsx")))["Master WBS"]
    files = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.endswith(".xlsx")}
    assert files == {"rd-plan.xlsx"}
