"""A small project played through the real intake for the scorecard tests: three departments
(PMO, R&D, Marketing) over four weeks, 2026-W45 … W48 (Mondays 11-02 … 11-23, Fridays 11-06 …
11-27), weekends only as days off, the weekly deadline Friday 16:00 (the brief's send time).

Each department fills its generated English workbook (openpyxl, by labels), drops it into the
inbox, and `xlflow watch --once` takes it in at a controlled time (received_at). What happens:

PMO  v1 Fri 11-06 10:00  PMO-001 due 11-06 done (finished 11-06); PMO-002 due 11-20 30 %;
                          PMO-R01 high, raised 11-05, response filled
     v2 Fri 11-13 15:00  PMO-002 60 %
     v3 Fri 11-20 15:00  PMO-002 done (no finish date: the version's day, 11-20)
     v4 Fri 11-27 15:00  PMO-003 added (start 11-23, due 12-04)
RD   ✗  Thu 11-05 09:00  rejected (no update date)
     v1 Fri 11-06 11:00  RD-001 due 11-13; RD-002 due 11-20; RD-003 start 11-09 due 11-27 not started;
                          RD-R01 high, raised 11-06, no response
     v2 Fri 11-13 17:00  (after the deadline) RD-001 due moved to 11-18; RD-R01 response filled
     —  week 47: nothing
     v3 Mon 11-23 09:00  RD-001 done, finished 11-19; RD-002 blocked
     ✗  Thu 11-26 09:00  rejected (no update date)
     v4 Fri 11-27 10:00  RD-001 note added (RD-003 is the same row in all four versions)
MK   v1 Fri 11-06 14:00  MK-001 due 11-12; MK-002 start 11-16 due 12-11 not started;
                          MK-R01 high, raised 11-05, response filled and closed
     v2 Fri 11-13 12:00  MK-001 done (no finish date: 11-13); MK-R03 high, raised 11-13, no response
     —  weeks 47 and 48: nothing
"""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from guard_e2e_helpers import blank, label, run
from validate_helpers import fill, make_workspace
from xlflow.config import FOLDERS, Workspace
from xlflow.output.department import workbook_name

D = dt.date
AS_OF = D(2026, 11, 27)
FRIDAYS = (D(2026, 11, 6), D(2026, 11, 13), D(2026, 11, 20), D(2026, 11, 27))
NAMES = {"PMO": "PMO", "RD": "R&D", "MK": "Marketing"}

TOML = textwrap.dedent("""
    [project]
    name = { zh = "评分测试项目", en = "Scorecard test project" }
    code = "SC-2026"
    lead_department = "PMO"
    start = 2026-11-02
    end = 2027-01-29
    language = "en"

    [[departments]]
    code = "PMO"
    name = { zh = "项目管理办公室", en = "PMO" }

    [[departments]]
    code = "RD"
    name = { zh = "研发部", en = "R&D" }

    [[departments]]
    code = "MK"
    name = { zh = "市场部", en = "Marketing" }

    [calendar]
    china = false

    [summary]
    send_time = "16:00"
    send_weekday = "friday"
""")


def task(tid: str, start: dt.date, due: dt.date, status: str = "in_progress", percent: int = 50, **extra) -> dict:
    dept = tid.split("-")[0]
    return {"task_id": tid, "name": f"{NAMES[dept]} task {tid[-1]}", "owner_department": NAMES[dept],
            "owner": "Wang", "start": start, "due": due, "status": label(status), "percent": percent, **extra}


def risk(rid: str, raised: dt.date, impact: str = "High", response: str = "", status: str = "Open") -> dict:
    dept = rid.split("-")[0]
    return {"issue_id": rid, "kind": "Risk", "description": f"risk {rid}", "raised_by": NAMES[dept],
            "raised_date": raised, "impact": impact, "response": response, "owner": "Li", "status": status}


def drop(ws: Workspace, dept: str, tasks: list[dict], issues: list[dict], update: dt.date | None,
         day: dt.date, hour: int) -> str:
    """Fill the department's workbook, drop it into the inbox and run the intake at day/hour."""
    forms = {"wbs": {"card": {"update_date": update}, "tables": {"tasks": tasks}}}
    if issues:
        forms["issues"] = {"tables": {"log": issues}}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)
    (outcome,) = run(ws, day, hour)
    return outcome.result


def play(root: Path) -> Workspace:
    """The four weeks above, in the order they happen; every drop is checked to end as planned."""
    ws = make_workspace(root, TOML)
    for folder in FOLDERS:
        ws.folder(folder).mkdir(exist_ok=True)
    d = D
    pmo1 = task("PMO-001", d(2026, 11, 2), d(2026, 11, 6), "done", 100, actual_finish=d(2026, 11, 6))
    pmo_r = [risk("PMO-R01", d(2026, 11, 5), response="escalated to the steering group")]
    rd1, rd3 = task("RD-001", d(2026, 11, 2), d(2026, 11, 13), percent=40), task("RD-003", d(2026, 11, 9),
                                                                              d(2026, 11, 27), "not_started", 0)
    rd2 = task("RD-002", d(2026, 11, 2), d(2026, 11, 20), percent=20)
    rd_r = risk("RD-R01", d(2026, 11, 6))
    mk1, mk2 = task("MK-001", d(2026, 11, 2), d(2026, 11, 12)), task("MK-002", d(2026, 11, 16), d(2026, 12, 11),
                                                                      "not_started", 0)
    mk_r1 = risk("MK-R01", d(2026, 11, 5), response="second supplier", status="Closed")
    steps = [
        ("RD", [rd1, rd2, rd3], [rd_r], None, d(2026, 11, 5), 9, "rejected"),
        ("PMO", [pmo1, task("PMO-002", d(2026, 11, 2), d(2026, 11, 20), percent=30)], pmo_r, d(2026, 11, 6),
         d(2026, 11, 6), 10, "accepted"),
        ("RD", [rd1, rd2, rd3], [rd_r], d(2026, 11, 6), d(2026, 11, 6), 11, "accepted"),
        ("MK", [mk1, mk2], [mk_r1], d(2026, 11, 6), d(2026, 11, 6), 14, "accepted"),
        ("PMO", [pmo1, task("PMO-002", d(2026, 11, 2), d(2026, 11, 20), percent=60)], pmo_r, d(2026, 11, 13),
         d(2026, 11, 13), 15, "accepted"),
        ("MK", [task("MK-001", d(2026, 11, 2), d(2026, 11, 12), "done", 100), mk2],
         [mk_r1, risk("MK-R03", d(2026, 11, 13))], d(2026, 11, 13), d(2026, 11, 13), 12, "accepted"),
        ("RD", [{**rd1, "due": d(2026, 11, 18), "percent": 70}, rd2, rd3], [{**rd_r, "response": "re-planned"}],
         d(2026, 11, 13), d(2026, 11, 13), 17, "accepted"),
        ("PMO", [pmo1, task("PMO-002", d(2026, 11, 2), d(2026, 11, 20), "done", 100)], pmo_r, d(2026, 11, 20),
         d(2026, 11, 20), 15, "accepted"),
    ]
    rd1_done = {**rd1, "due": d(2026, 11, 18), "status": label("done"), "percent": 100,
                "actual_finish": d(2026, 11, 19)}
    rd2_blocked = {**rd2, "status": label("blocked"), "reason": "waiting for the supplier"}
    rd_r_answered = [{**rd_r, "response": "re-planned"}]
    steps += [
        ("RD", [rd1_done, rd2_blocked, rd3], rd_r_answered, d(2026, 11, 23), d(2026, 11, 23), 9, "accepted"),
        ("RD", [rd1_done, rd2_blocked, rd3], rd_r_answered, None, d(2026, 11, 26), 9, "rejected"),
        ("RD", [{**rd1_done, "notes": "handed over"}, rd2_blocked, rd3], rd_r_answered, d(2026, 11, 27),
         d(2026, 11, 27), 10, "accepted"),
        ("PMO", [pmo1, task("PMO-002", d(2026, 11, 2), d(2026, 11, 20), "done", 100),
                 task("PMO-003", d(2026, 11, 23), d(2026, 12, 4), percent=10)], pmo_r, d(2026, 11, 27),
         d(2026, 11, 27), 15, "accepted"),
    ]
    for dept, tasks, issues, update, day, hour, expected in steps:
        result = drop(ws, dept, tasks, issues, update, day, hour)
        assert result == expected, (dept, day, hour, result)
    return ws
