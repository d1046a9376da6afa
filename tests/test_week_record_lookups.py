"""The merge's record parts made with less work: each distinct problem detail told once, the escalated
rows' departments looked up only for the rows found — the values the same as told one by one."""
from __future__ import annotations

import datetime as dt

from xlflow.features.control.requests import ChangeRequest
from xlflow.i18n import Phrase
from xlflow.plan.model import Problem
from xlflow.week.parts import row_departments
from xlflow.week.stored import both_languages
from xlflow.week.tasks import plan_problems, problems_of


def test_problem_details_told_once_are_those_told_each():
    early = {"start": "2026-08-01", "due": "2026-08-15"}
    problems = [Problem("starts-early", "RD", f"RD-{i}", "MK", "MK-1", Phrase("merge-detail-starts-early", **early))
                for i in range(3)]
    problems += [Problem("cycle", "RD", "RD-9", detail="RD-9 → RD-8 → RD-9"), Problem("cycle", "MK", "MK-2"),
                 Problem("starts-early", "MK", "MK-3", detail=Phrase("merge-detail-starts-early", start="2026-08-02",
                                                                         due="2026-08-15"))]
    told = plan_problems(problems)
    rows = [{**p._asdict(), "detail": both_languages(p.detail)} for p in problems]  # what from_plan stores
    assert told == problems_of(rows)
    assert told[0].detail["en"] != told[-1].detail["en"]  # another parameter: told again
    assert told[0].detail["zh"] and told[0].detail["en"] and told[4].detail == {"zh": "", "en": ""}


def _change(cid: str, dept: str) -> ChangeRequest:
    return ChangeRequest(cid, dept, dt.date(2026, 6, 1), "plan", "", "", "", ())


def test_row_departments_are_the_found_rows_only():
    class T:
        def __init__(self, task_id: str, department: str) -> None:
            self.task_id, self.department = task_id, department

    of = row_departments([T("RD-1", "RD"), T("MK-1", "MK"), T("X-1", "RD")], [_change("CR-1", "QA"), _change("X-1", "QA")])
    assert of({"RD-1", "CR-1", "NONE"}) == {"RD-1": "RD", "CR-1": "QA"}
    assert of({"X-1"}) == {"X-1": "QA"}  # a request over a task of its ID, as the one dict of both said
    assert of(set()) == {}
