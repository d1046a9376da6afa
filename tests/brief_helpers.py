"""Two weeks of a project with known differences, as the merge would have recorded them.

as_of is Friday 2026-11-20 (week 47, 11-16 … 11-22). Snapshots: 11-06 (two weeks back),
11-13 (week 46) and 11-20 (week 47). What the brief must find:
  finished  RD-001            newly   RD-002 (blocked, holds up MK-002)
  still     MK-001 (8 days)   overdue SA-001 (reported in progress, 2 days late)
  due soon  MF-001            slips   RD-003 (+7 days)
  stale     MK-001, CS-001    missing MK (1 rejected this week), CS, FN
  decisions RD-002 blocked, RD-R01 (high, open since 11-18)
"""
from __future__ import annotations

import datetime as dt

from xlflow.store.state import StateDB
from xlflow.week.brief import build_brief
from xlflow.week.state import WeekState
from xlflow.week.tasks import department_weeks, items_of, tasks_of
from xlflow.workdays import week_of

D = dt.date
AS_OF = D(2026, 11, 20)
START = D(2026, 11, 2)
EVIL = "<script>alert('x')</script> 样机 & 测试"


def task(tid: str, status: str, due: dt.date, *, reported: str | None = None, percent: float = 50.0,
         start: dt.date = START, reason: str = "", successors: tuple[str, ...] = (), **extra) -> dict:
    dept = tid.split("-")[0]
    return {"department": dept, "task_id": tid, "name": extra.pop("name", f"任务 {tid}"), "owner": f"负责人{dept}",
            "owner_department": dept, "status": status, "reported_status": reported or status,
            "health": "on_track", "percent": percent, "start": start, "due": due, "reason": reason,
            "predecessors": [], "successors_other_depts": list(successors), "days_late": None, **extra}


def week46() -> list[dict]:
    return [
        task("PMO-001", "done", D(2026, 11, 6), percent=100),
        task("RD-001", "in_progress", D(2026, 11, 20), percent=80),
        task("RD-002", "in_progress", D(2026, 11, 30), successors=("MK-002",), name=EVIL),
        task("RD-003", "in_progress", D(2026, 11, 30)),
        task("MK-001", "delayed", D(2026, 11, 10), reason="设计资源不足"),
        task("MK-002", "not_started", D(2026, 12, 10), percent=0, start=D(2026, 12, 1)),
        task("SA-001", "in_progress", D(2026, 11, 18), percent=60),
        task("MF-001", "in_progress", D(2026, 11, 24)),
        task("CS-001", "in_progress", D(2026, 12, 15), percent=30),
        task("FN-001", "not_started", D(2026, 12, 20), percent=0, start=D(2026, 12, 1)),
    ]


def week47() -> list[dict]:
    return [
        task("PMO-001", "done", D(2026, 11, 6), percent=100),
        task("RD-001", "done", D(2026, 11, 20), percent=100),
        task("RD-002", "blocked", D(2026, 11, 30), successors=("MK-002",), name=EVIL,
             reason="需求变更未确认 & <b>待评审</b>"),
        task("RD-003", "in_progress", D(2026, 12, 7)),
        task("RD-004", "in_progress", D(2026, 12, 20), percent=10),
        task("MK-001", "delayed", D(2026, 11, 10), reason="设计资源不足"),
        task("MK-002", "not_started", D(2026, 12, 10), percent=0, start=D(2026, 12, 1)),
        task("SA-001", "delayed", D(2026, 11, 18), reported="in_progress", percent=70),
        task("MF-001", "in_progress", D(2026, 11, 24), percent=70),
        task("CS-001", "in_progress", D(2026, 12, 15), percent=30),
        task("FN-001", "not_started", D(2026, 12, 20), percent=0, start=D(2026, 12, 1)),
    ]


def week45() -> list[dict]:
    return [t for t in week46() if t["task_id"] != "RD-001"]


def submissions() -> list[dict]:
    def sub(dept: str, day: int, result: str = "accepted") -> dict:
        return {"department": dept, "file_name": f"{dept}.xlsx", "received": f"2026-11-{day:02d}T10:00:00",
                "result": result}

    return [sub("CS", 2), sub("MK", 10), sub("PMO", 16), sub("SA", 17), sub("RD", 18), sub("MK", 19, "rejected"),
            sub("MF", 19), sub("MK", 20, "duplicate")]


def risks() -> list[dict]:
    def risk(rid: str, impact: str, raised: dt.date, status: str = "open") -> dict:
        dept = rid.split("-")[0]
        return {"issue_id": rid, "kind": "risk", "description": f"风险 {rid}", "raised_by": dept,
                "raised_date": raised, "impact": impact, "owner": f"负责人{dept}", "response": "",
                "status": status, "department": dept}

    return [risk("RD-R01", "high", D(2026, 11, 18)), risk("MK-R01", "high", AS_OF),
            risk("SA-R01", "high", D(2026, 11, 2), "closed"), risk("CS-R01", "medium", D(2026, 11, 2))]


def record(db: StateDB, master: str = "master/NPL-2026-master.xlsx") -> None:
    """The three snapshots and the submissions, as merges and intake would have stored them."""
    for day, tasks in ((D(2026, 11, 6), week45()), (D(2026, 11, 13), week46()), (AS_OF, week47())):
        db.record_merge(day, master, tasks)
    for s in submissions():
        received = dt.datetime.fromisoformat(s["received"]).astimezone()
        db.record_submission(s["department"], s["file_name"], f"{s['department']}{s['received']}{s['result']}",
                             received, s["result"])


def week_from(ws, as_of: dt.date, current, previous=None, older=None, submissions=(), risks=(),
              versions=(), submitted: frozenset[str] | None = None) -> WeekState:
    """A WeekState from bare values: snapshots as (date, tasks) pairs, submission and risk rows."""
    tasks = tasks_of(current[1])
    week = week_of(as_of, ws.project.week_start)
    return WeekState(ws.project.code, week, as_of, current[0], tasks,
                     department_weeks(ws, tasks, submissions, week, as_of, submitted),
                     previous_tasks=tasks_of(previous[1]) if previous else None,
                     previous_date=previous[0] if previous else None, versions=tuple(versions),
                     risks=items_of(risks), older_tasks=tasks_of(older[1]) if older else None,
                     older_date=older[0] if older else None)


def brief_of(ws, as_of: dt.date, current, previous=None, older=None, submissions=(), risks=(), lang=None,
             statuses=None, versions=()):
    """The brief of a week built from bare values (the old call shape of build_brief)."""
    return build_brief(week_from(ws, as_of, current, previous, older, submissions, risks, versions), ws, lang,
                       statuses=statuses)
