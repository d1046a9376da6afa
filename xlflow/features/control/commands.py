"""Recording baselines: at intake when a version is accepted (also by `revert` and `accept`), at every
merge of the accepted workbooks for tasks still without one, and once, from the kept task
snapshots, for a workspace whose history predates baselines. Named baselines for `xlflow baseline`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ...check.model import Submission
from ...config import Workspace
from ...errors import UsageError
from ...plan.guard import task_values
from ...plan.model import Task
from ...store.state import StateDB
from .backfill import backfill
from .baselines import Baseline, Baselines, NamedBaseline, TaskBaselines


def record_version(ws: Workspace, db: StateDB, department: str, sub: Submission,
                   set_at: dt.datetime) -> list[Baseline]:
    """An accepted version of the department's plan: its tasks without a baseline get one (as first
    accepted); the others keep theirs. Older history is backfilled first."""
    backfill(db)
    return Baselines(db).record_first(department, task_values(sub), set_at)


def record_plan(db: StateDB, tasks: Iterable[Task], base: TaskBaselines | None = None) -> int:
    """At a merge of the accepted workbooks: tasks still without a baseline (a workspace older than
    baselines, a version accepted before them) get one from the plan merged now. `base`: the
    baselines as the caller read them after backfill (the rows recorded here are added to it);
    without it, the history is backfilled here first."""
    if base is None:
        backfill(db)
    store = Baselines(db)
    known = base.known if base is not None else store.known()
    by_dept: dict[tuple[str, dt.datetime], dict[str, dict[str, object]]] = {}
    for t in tasks:
        if t.task_id in known:
            continue
        set_at = t.received or dt.datetime.now().astimezone()
        by_dept.setdefault((t.department, set_at), {})[t.task_id] = t.values
    count = 0
    for (dept, set_at), rows in by_dept.items():
        for made in store.record_first(dept, rows, set_at, known=known):
            count += 1
            if base is not None:
                base.add(made)
    return count


def set_named(db: StateDB, name: str, as_of: dt.date | None, created: dt.datetime | None = None) -> NamedBaseline:
    """The whole project's plan as the newest merge on or before `as_of` (default: the newest merge)
    recorded it, stored under `name`."""
    day = as_of or dt.date.max
    snap = db.latest_snapshot_before(day, inclusive=True)
    if snap is None:
        raise UsageError("baseline-no-merge", as_of=as_of.isoformat() if as_of else "—")
    now = created or dt.datetime.now().astimezone()
    rows = [Baseline(t.task_id, t.department, t.start, t.due, t.owner, name, now, name) for t in snap.tasks]
    return Baselines(db).set_named(name, snap.as_of, rows, created=now)


def named_or_fail(db: StateDB, name: str) -> tuple[NamedBaseline, dict[str, Baseline]]:
    """A named baseline and its tasks; a usage error naming the baselines there are when unknown."""
    store = Baselines(db)
    head = next((n for n in store.list_named() if n.name == name), None)
    if head is None:
        known = ", ".join(n.name for n in store.list_named()) or "—"
        raise UsageError("baseline-unknown", name=name, known=known)
    return head, store.named(name)
