"""Cross-project links: a predecessor written `PROJ:TASK` names a task of another project. The
portfolio is the one place that sees both, so it checks them: broken (no such project in the
portfolio, or no such task in it), unknown (that project could not be read), late (the task
waited for is not done and is overdue, or due after the waiting task starts), or ok.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..week.state import Task, WeekState

STATUSES = ("broken", "unknown", "late", "ok")


@dataclass(frozen=True)
class CrossLink:
    project: str
    department: str
    task_id: str
    start: dt.date | None
    other_project: str
    other_task: str
    status: str  # broken | unknown | late | ok
    other_due: dt.date | None = None
    other_done: bool = False


def _targets(task: Task) -> list[tuple[str, str]]:
    out = []
    for ref in task.predecessors:
        project, sep, other = str(ref).partition(":")
        if sep and project.strip() and other.strip():
            out.append((project.strip().upper(), other.strip()))
    return out


def cross_links(states: dict[str, WeekState], unreadable: set[str]) -> list[CrossLink]:
    """`states`: project code -> its week; `unreadable`: project codes known but not read."""
    out = []
    for code, state in states.items():
        for task in state.tasks:
            for other_project, other_id in _targets(task):
                out.append(_check(code, task, other_project, other_id, states, unreadable, state.as_of))
    order = {s: i for i, s in enumerate(STATUSES)}
    return sorted(out, key=lambda c: (order[c.status], c.project, c.task_id, c.other_project, c.other_task))


def _check(code: str, task: Task, other_project: str, other_id: str, states: dict[str, WeekState],
           unreadable: set[str], as_of: dt.date) -> CrossLink:
    base = dict(project=code, department=task.department, task_id=task.task_id, start=task.start,
                other_project=other_project, other_task=other_id)
    if other_project in unreadable:
        return CrossLink(**base, status="unknown")
    other_state = states.get(other_project)
    other = other_state.task(other_id) if other_state is not None else None
    if other is None:
        return CrossLink(**base, status="broken")
    late = not other.done and other.due is not None and (
        other.due < as_of or (task.start is not None and other.due >= task.start))
    return CrossLink(**base, status="late" if late else "ok", other_due=other.due, other_done=other.done)
