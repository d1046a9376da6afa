"""Cross-project links: a predecessor written `PROJ:TASK` names a task of another project. The
portfolio is the one place that sees both, so it checks them: broken (no such project in the
portfolio, or no such task in it), unknown (that project could not be read), late (the task
waited for is not done and is overdue, or due after the waiting task starts), or ok.

It works on each project's Digest (what the portfolio keeps of a week once its row is made), so
fifty weeks are never held in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from ..week.state import Milestone, Task, WeekState

STATUSES = ("broken", "unknown", "late", "ok")
TROUBLE = ("delayed", "blocked")


@dataclass(frozen=True)
class Waiting:
    """A task that names a task of another project among its predecessors."""

    department: str
    task_id: str
    start: dt.date | None
    targets: tuple[tuple[str, str], ...]  # (project code, task ID)


@dataclass(frozen=True)
class Digest:
    """What the portfolio keeps of a project's week: its milestones, each department's late tasks
    (overdue, or delayed or blocked), the cross-project waits, and every task's due date and done."""

    as_of: dt.date
    milestones: tuple[Milestone, ...]
    late: Mapping[str, int]  # department code -> late tasks, every department of the week
    waiting: tuple[Waiting, ...]
    tasks: Mapping[str, tuple[dt.date | None, bool]] = field(default_factory=dict)


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


def _targets(task: Task) -> tuple[tuple[str, str], ...]:
    out = []
    for ref in task.predecessors:
        project, sep, other = str(ref).partition(":")
        if sep and project.strip() and other.strip():
            out.append((project.strip().upper(), other.strip()))
    return tuple(out)


def digest_of(state: WeekState) -> Digest:
    late = {d.code: 0 for d in state.departments}
    waiting = []
    for t in state.tasks:
        if (not t.done and t.due is not None and t.due < state.as_of) or t.status in TROUBLE:
            late[t.department] = late.get(t.department, 0) + 1
        targets = _targets(t)
        if targets:
            waiting.append(Waiting(t.department, t.task_id, t.start, targets))
    return Digest(
        state.as_of, state.milestones, late, tuple(waiting), {t.task_id: (t.due, t.done) for t in state.tasks}
    )


def cross_links(digests: Mapping[str, Digest], unreadable: set[str]) -> list[CrossLink]:
    """`digests`: project code -> its digest; `unreadable`: project codes known but not read."""
    out = []
    for code, digest in digests.items():
        for w in digest.waiting:
            for other_project, other_id in w.targets:
                out.append(_check(code, w, other_project, other_id, digests, unreadable, digest.as_of))
    order = {s: i for i, s in enumerate(STATUSES)}
    return sorted(out, key=lambda c: (order[c.status], c.project, c.task_id, c.other_project, c.other_task))


def _check(
    code: str,
    w: Waiting,
    other_project: str,
    other_id: str,
    digests: Mapping[str, Digest],
    unreadable: set[str],
    as_of: dt.date,
) -> CrossLink:
    link = partial(CrossLink, code, w.department, w.task_id, w.start, other_project, other_id)
    if other_project in unreadable:
        return link(status="unknown")
    other = digests[other_project].tasks.get(other_id) if other_project in digests else None
    if other is None:
        return link(status="broken")
    due, done = other
    late = not done and due is not None and (due < as_of or (w.start is not None and due >= w.start))
    return link(status="late" if late else "ok", other_due=due, other_done=done)
