"""Hand-built WeekState values for the close-out and portfolio tests, and demo workspaces."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from xlflow.features.control.moves import Move
from xlflow.features.control.requests import ChangeRequest
from xlflow.week.state import DepartmentWeek, Item, Milestone, Task, WeekState
from xlflow.workdays import week_of

D = dt.date
AS_OF = D(2026, 11, 20)


def task(dept: str, tid: str, status: str = "in_progress", percent: float | None = 50, due: dt.date | None = None,
         start: dt.date | None = None, preds: tuple[str, ...] = (), slip: int | None = None, reason: str = "",
         name: str = "") -> Task:
    return Task(department=dept, task_id=tid, name=name or f"task {tid}", status=status, reported_status=status,
                percent=percent, due=due, start=start, predecessors=preds, slip=slip, reason=reason,
                baseline_due=due if slip is None else None)


def dept_week(code: str, tasks: list[Task], submitted: bool = True) -> DepartmentWeek:
    mine = [t for t in tasks if t.department == code]
    return DepartmentWeek(code, len(mine), sum(t.done for t in mine), 0, 0, 0.0, submitted, None, 1)


def state(code: str, tasks: list[Task], departments: tuple[str, ...] = ("PMO", "RD"), as_of: dt.date = AS_OF,
          missing: tuple[str, ...] = (), **kw) -> WeekState:
    return WeekState(project_code=code, week=week_of(as_of), as_of=as_of, data_date=kw.pop("data_date", as_of),
                     tasks=tuple(tasks), departments=tuple(dept_week(c, tasks, c not in missing) for c in departments),
                     **kw)


def change(cid: str, dept: str = "RD", status: str = "pending") -> ChangeRequest:
    return ChangeRequest(change_id=cid, department=dept, date=D(2026, 11, 10), change_type="plan",
                         content="=push RD-004", reason="supplier late", impact="1 week", tasks=("RD-004",),
                         status=status)


def move(tid: str, status: str, days: int = 3, dept: str = "RD") -> Move:
    return Move(task_id=tid, department=dept, kind="due", old=D(2026, 11, 20), new=D(2026, 11, 25), days=days,
                status=status)


def risk(dept: str, rid: str, raised: dt.date, status: str = "open") -> Item:
    return Item(dept, {"issue_id": rid, "description": "supplier", "raised_date": raised, "status": status,
                       "impact": "high"})


def action(dept: str, status: str = "in_progress") -> Item:
    return Item(dept, {"meeting_id": "M-03", "item": "confirm price", "owner": "李娜", "status": status,
                       "owner_department": dept})


def milestone(name: str, day: dt.date, dept: str = "") -> Milestone:
    return Milestone(name, day, dept)


def demo_workspace(root: Path, cache: Path) -> Path:
    """`xlflow demo` once per test session (kept in `cache`), copied to `root`."""
    if not (cache / "xlflow.toml").is_file():
        from xlflow.demo import run_demo

        run_demo(cache, "en", lambda _line: None)
    shutil.copytree(cache, root, symlinks=True)
    return root
