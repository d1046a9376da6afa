"""The sample project's week for the export tests, and hand-built weeks.

`sample_week` runs the sample as the demo does (init, both weeks' files through the inbox, merge)
and turns the merged plan into a WeekState field by field; once the week pipeline's load_week is
on main it replaces the conversion.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from xlflow.config import Workspace
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.watcher import process_inbox
from xlflow.week.state import DepartmentWeek, Task, WeekState
from xlflow.workdays import week_of

AS_OF = dt.date(2026, 11, 20)
WEEKS = {"week46": dt.date(2026, 11, 13), "week47": AS_OF}


def sample_workspace(root: Path, lang: str = "zh") -> Workspace:
    ws = init_workspace(root, lang, sample=True)
    for week, day in WEEKS.items():
        for path in sorted((samples_dir() / "submissions" / week).glob("*.xlsx")):
            shutil.copy2(path, ws.folder("inbox") / path.name)
        received = dt.datetime.combine(day, dt.time(15, 0)).astimezone()
        list(process_inbox(ws, day, lang, received_at=received))
    return ws


def week_from_plan(ws: Workspace, as_of: dt.date = AS_OF) -> WeekState:
    result = merge_workspace(ws, as_of=as_of, lang=ws.lang)
    plan = result.plan
    control = plan.control
    tasks = []
    for t in plan.tasks:
        get = t.values.get
        base = control.baselines.get(t.task_id) if control else None
        tasks.append(Task(
            department=t.department, task_id=t.task_id, name=get("name") or "", owner=get("owner") or "",
            owner_department=get("owner_department") or "", start=get("start"), due=get("due"),
            status=t.effective_status or "", reported_status=t.status or "", percent=get("percent"),
            reason=get("reason") or "", predecessors=tuple(str(p) for p in get("predecessors") or ()),
            successors_other_depts=tuple(s.task_id for s in t.successors_other_depts),
            actual_finish=get("actual_finish"), health=t.health, days_late=t.days_late,
            baseline_start=getattr(base, "start", None), baseline_due=getattr(base, "due", None),
            slip=control.slips.get(t.task_id) if control else None))
    departments = tuple(DepartmentWeek(code, s.tasks, s.by_status.get("done", 0), 0, s.overdue, s.percent_complete,
                                       s.submitted_this_week, s.last_received, None)
                        for code, s in plan.stats.items())
    return WeekState(ws.project.code, week_of(as_of, ws.project.week_start), as_of, as_of, tuple(tasks), departments,
                     critical_path=tuple(t.task_id for t in plan.critical_path), projected_end=plan.end_date,
                     baseline_end=control.baseline_end if control else None,
                     moves=control.moves if control else (), changes=tuple(plan.changes))
