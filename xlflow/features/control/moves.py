"""Change control against the baseline: every move of a task's start or due date since it was first
accepted, every task added or removed after its department's first version, classified as covered by
an approved change request that names it, by a pending one, or unapproved; the successors in other
departments a later due date pushes; the slip against the baseline in working days.

Pure: the tasks, the baselines (anything with start, due, owner, reason, set_at: features.control.baselines.Baseline)
and the change requests (anything with change_id, status, tasks, proposed: features.control.requests.ChangeRequest)
come in as values, with the working-day calendar.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ...workdays import WorkCalendar

APPROVED, PENDING, UNAPPROVED = "approved", "pending", "unapproved"
CLASSES = (UNAPPROVED, PENDING, APPROVED)  # the order the master and the brief list them in
START, DUE, ADDED, REMOVED = "start", "due", "added", "removed"
DATES = (START, DUE)


class DatesLike(Protocol):  # read-only members (properties): frozen dataclasses have them
    @property
    def start(self) -> dt.date | None: ...
    @property
    def due(self) -> dt.date | None: ...


class BaselineLike(DatesLike, Protocol):
    @property
    def task_id(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def set_at(self) -> dt.datetime: ...
    @property
    def from_change(self) -> bool: ...  # re-baselined by an approved change request (`reason` is its ID)


class RequestLike(Protocol):
    @property
    def change_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def tasks(self) -> Sequence[str]: ...
    @property
    def proposed(self) -> Mapping[str, tuple[dt.date | None, dt.date | None]]: ...


@dataclass(frozen=True, slots=True)
class TaskDates:
    """What change control needs of a task in the current plan."""

    task_id: str
    department: str
    start: dt.date | None
    due: dt.date | None
    predecessors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pushed:
    """A task of another department whose start is before the moved task's new due date."""

    task_id: str
    department: str
    start: dt.date


@dataclass(frozen=True, slots=True)
class Move:
    """One change against the baseline. kind: start | due (old and new dates, `days` working days,
    + later) | added | removed. status: approved | pending | unapproved; change_ids: the requests
    that cover it (or that name it, when pending)."""

    task_id: str
    department: str
    kind: str
    old: dt.date | None
    new: dt.date | None
    days: int | None
    status: str
    change_ids: tuple[str, ...] = ()
    pushes: tuple[Pushed, ...] = ()


@dataclass(frozen=True)
class Control:
    """The plan against its baselines: per task its baseline dates and slip, the classified moves."""

    baselines: Mapping[str, DatesLike] = field(default_factory=dict)  # a stored week's: its dates only
    slips: Mapping[str, int] = field(default_factory=dict)  # task ID -> working days due is after baseline due
    moves: tuple[Move, ...] = ()
    baseline_end: dt.date | None = None

    @property
    def slipped(self) -> int:
        """How many tasks are due later than their baseline."""
        return sum(1 for days in self.slips.values() if days > 0)

    def of(self, status: str) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.status == status)

    @property
    def pushes(self) -> tuple[Move, ...]:
        return tuple(m for m in self.moves if m.pushes)


def classify(task_id: str, kind: str, new: dt.date | None,
             requests: Iterable[RequestLike]) -> tuple[str, tuple[str, ...]]:
    """(status, change IDs) of one change of a task. Approved: an approved request names the task and
    proposes this date for it (or no date for that field); pending: a pending request names it;
    otherwise unapproved (an approved request for other dates does not cover it)."""
    approved, pending = [], []
    for r in requests:
        if task_id not in r.tasks:
            continue
        if r.status == APPROVED and _covers(r, task_id, kind, new):
            approved.append(r.change_id)
        elif r.status == PENDING:
            pending.append(r.change_id)
    if approved:
        return APPROVED, tuple(approved)
    return (PENDING, tuple(pending)) if pending else (UNAPPROVED, ())


def _covers(r: RequestLike, task_id: str, kind: str, new: dt.date | None) -> bool:
    if kind not in DATES:
        return True
    proposed = (r.proposed or {}).get(task_id)
    wanted = proposed[DATES.index(kind)] if proposed else None
    return wanted is None or wanted == new


def successor_index(tasks: Iterable[TaskDates]) -> dict[str, list[TaskDates]]:
    """Task ID -> the tasks that name it as a predecessor."""
    out: dict[str, list[TaskDates]] = {}
    for t in tasks:
        for pred in t.predecessors:
            out.setdefault(pred, []).append(t)
    return out


def pushed_successors(moved: TaskDates, new_due: dt.date | None,
                      successors: Mapping[str, Sequence[TaskDates]]) -> tuple[Pushed, ...]:
    """Other departments' tasks that wait for `moved` and start before its new due date
    (`successors`: successor_index of the project's tasks)."""
    if new_due is None:
        return ()
    return tuple(Pushed(t.task_id, t.department, t.start) for t in successors.get(moved.task_id, ())
                 if t.department != moved.department and t.start is not None and t.start < new_due)


def control(tasks: Sequence[TaskDates], first: Mapping[str, BaselineLike], current: Mapping[str, BaselineLike],
            requests: Sequence[RequestLike], calendar: WorkCalendar,
            departments: Iterable[str] | None = None) -> Control:
    """The plan (`tasks`) against the first and current baselines of its tasks. Removed tasks are
    looked for only in `departments` (those whose plan is in; default: the tasks' departments)."""
    by_id = {t.task_id: t for t in tasks}
    baselines = {k: current[k] for k in by_id if k in current}  # the plan's tasks' current baselines
    slips = {t.task_id: 0 if b.due == t.due else calendar.between(b.due, t.due) for t in tasks
             if (b := baselines.get(t.task_id)) is not None and b.due and t.due}  # (not moved: no calendar)
    moves = []
    opened = _first_versions(first.values())
    successors = successor_index(tasks)
    for t in tasks:
        base = first.get(t.task_id)
        if base is None:
            continue
        if base.set_at > opened.get(t.department, base.set_at):
            status, ids = classify(t.task_id, ADDED, None, requests)
            moves.append(Move(t.task_id, t.department, ADDED, None, t.due, None, status, ids))
        if base.start == t.start and base.due == t.due:
            continue  # not moved (most tasks)
        for kind in DATES:
            old, new = getattr(base, kind), getattr(t, kind)
            if old == new:
                continue
            status, ids = classify_change(t.task_id, kind, new, current.get(t.task_id), requests)
            days = calendar.between(old, new) if old and new else None
            pushes = pushed_successors(t, new, successors) if kind == DUE and days and days > 0 else ()
            moves.append(Move(t.task_id, t.department, kind, old, new, days, status, ids, pushes))
    present = set(departments) if departments is not None else {t.department for t in tasks}
    for task_id, base in first.items():
        if task_id not in by_id and base.department in present:
            status, ids = classify(task_id, REMOVED, None, requests)
            moves.append(Move(task_id, base.department, REMOVED, base.due, None, None, status, ids))
    order = {c: i for i, c in enumerate(CLASSES)}
    moves.sort(key=lambda m: order[m.status])  # stable: plan order within a class
    return Control(baselines, slips, tuple(moves), max((b.due for b in baselines.values() if b.due), default=None))


def classify_change(task_id: str, kind: str, new: dt.date | None, current: BaselineLike | None,
            requests: Sequence[RequestLike]) -> tuple[str, tuple[str, ...]]:
    """A date that is the task's baseline set by an approved request is approved by that request."""
    if current is not None and current.from_change and getattr(current, kind) == new:
        return APPROVED, (current.reason,)
    return classify(task_id, kind, new, requests)


def _first_versions(baselines: Iterable[BaselineLike]) -> dict[str, dt.datetime]:
    """Department -> when its first tasks were baselined (its first accepted version)."""
    out: dict[str, dt.datetime] = {}
    for b in baselines:
        if b.department not in out or b.set_at < out[b.department]:
            out[b.department] = b.set_at
    return out
