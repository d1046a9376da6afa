"""Helpers for the past-stays-past tests (issue 18 items 9 and 10): the sample project's departments
sending real workbooks for weeks 46 and 47."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from guard_e2e_helpers import blank, task
from validate_helpers import fill
from xlflow.output.department import workbook_name

D = dt.date
W46, W47 = D(2026, 11, 13), D(2026, 11, 20)  # Fridays
DUE46, DUE47 = D(2026, 12, 4), D(2026, 12, 18)  # the task's due date in the week-46 and week-47 versions


def drop(ws, dept: str, due: dt.date, update: dt.date) -> Path:
    """The department's workbook with one task due `due`, as of `update`, put into the inbox."""
    path = ws.folder("inbox") / workbook_name(ws, dept, "en")
    fill(ws, blank(ws, dept), path, {"wbs": {"card": {"update_date": update},
                                              "tables": {"tasks": [task(dept, 1, due=due)]}}})
    return path
