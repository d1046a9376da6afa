"""Change control for the week: approved change requests re-baseline the tasks they name, and the plan
is classified against its baselines (features/control/moves.py) — at the merge (the master's Plan changes sheet,
stored in the week's record) and, for a record older than that, when the week is loaded.
Intake's side (a warning at the cell, the mail to a pushed department) is features/control/intake.py's.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ...check.model import Submission
from ...config import Workspace
from ...plan.model import MasterPlan
from ...store.snapshots import SnapshotTask
from ...store.state import StateDB
from ...workdays import WorkCalendar
from .backfill import backfill
from .baselines import Baseline, Baselines, TaskBaselines
from .moves import APPROVED, Control, TaskDates, control
from .register import change_register
from .requests import ChangeRequest


def change_requests(ws: Workspace, db: StateDB, submissions: Iterable[Submission] | None = None) -> list[ChangeRequest]:
    """Every department's change requests with the decisions that count (the change register), from
    `submissions` when the caller has them parsed already (else the accepted workbooks)."""
    return list(change_register(ws, db, submissions=submissions))


def apply_approvals(db: StateDB, requests: Iterable[ChangeRequest], tasks: dict[str, TaskDates],
                    now: dt.datetime | None = None, rows: TaskBaselines | None = None) -> dict[str, Baseline]:
    """Each approved request re-baselines the tasks it names, once: the proposed dates (else the task's
    dates in the plan now) become the baseline, the request's ID its reason. A task whose dates would
    not change keeps its baseline until it moves. Returns every task's current baseline after that.
    `rows`: the baselines the caller read (the new rows are added to it), else read now."""
    store, now = Baselines(db), now or dt.datetime.now().astimezone()
    requests = list(requests)
    current = withdraw_undecided(store, requests, rows.current() if rows is not None else store.current(), now, rows)
    for r in requests:
        if r.status != APPROVED:
            continue
        for task_id in r.tasks:
            base, task = current.get(task_id), tasks.get(task_id)
            if base is None or base.reason == r.ref:
                continue
            proposed = (r.proposed or {}).get(task_id) or (None, None)
            start = proposed[0] or (task.start if task else None) or base.start
            due = proposed[1] or (task.due if task else None) or base.due
            if (start, due) == (base.start, base.due):
                continue
            made = store.rebaseline(task_id, base.department, start, due, base.owner, r.ref, now)
            if made is not None:
                current[task_id] = made
                if rows is not None:
                    rows.add(made)
    return current


def withdraw_undecided(store: Baselines, requests: list[ChangeRequest], current: dict[str, Baseline], now: dt.datetime,
                      rows: TaskBaselines | None) -> dict[str, Baseline]:
    """A re-baseline whose request is now rejected or pending again (its approval cleared) no longer
    counts: the task's earlier baseline is current again; the rows stay as history."""
    approved = {(t, r.ref) for r in requests if r.status == APPROVED for t in r.tasks}
    undecided = {(t, r.ref) for r in requests if r.status != APPROVED for t in r.tasks} - approved
    if not undecided:
        return current  # (no request that names a task is undecided: nothing to look for)
    for task_id, base in list(current.items()):
        if base.from_change and (task_id, base.reason) in undecided:
            store.withdraw(task_id, base.reason, now)
            if rows is not None:
                rows.withdraw(task_id, base.reason)
            current = rows.current() if rows is not None else store.current()
    return current


def moment_of(as_of: dt.date | None) -> dt.datetime:
    """When a merge for `as_of` decides: that day, at the time of day now (the wall clock's day is not the merge's)."""
    now = dt.datetime.now().astimezone()
    return now if as_of is None else dt.datetime.combine(as_of, now.time()).astimezone()


def plan_dates(plan: MasterPlan) -> list[TaskDates]:
    return [TaskDates(t.task_id, t.department, t.start, t.due, t.predecessor_ids)
            for t in plan.tasks]


def snapshot_dates(tasks: Iterable[SnapshotTask]) -> list[TaskDates]:
    return [TaskDates(t.task_id, t.department, t.start, t.due, tuple(t.predecessors)) for t in tasks]


def plan_control(ws: Workspace, db: StateDB, tasks: Sequence[TaskDates], departments: Iterable[str] | None = None,
                 submissions: Iterable[Submission] | None = None, now: dt.datetime | None = None,
                 base: TaskBaselines | None = None, as_of: dt.date | None = None,
                 requests: Sequence[ChangeRequest] | None = None) -> Control:
    """The plan (`tasks`) against its baselines, after the approved requests re-baselined what they name;
    the requests are `requests` (the change register the caller made: a merge makes it once for the
    master and for this), else they come from `submissions` (default: the accepted workbooks). `base`:
    the baselines the caller read after backfill (a merge reads them once for every step), else read here."""
    if base is None:
        backfill(db)
        base = Baselines(db).read()
    if requests is None:
        requests = change_requests(ws, db, submissions)
    current = apply_approvals(db, requests, {t.task_id: t for t in tasks}, now or moment_of(as_of), base)
    return control(tasks, base.first(), current, requests, WorkCalendar.from_settings(ws.calendar),
                   departments)
