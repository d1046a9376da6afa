"""One audience's part of the week: what the sharing list lets it see, taken from the WeekState.

A slice is built by choosing, never by hiding: everything a department may not see is left out
here, so no writer below can leak it. The other department's side of a link is cut down to its
ID, name, due date and status (no owner, no notes, no reason).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from ..features.control.checks import OTHER_DEPARTMENT
from ..features.control.requests import ChangeRequest
from ..features.scorecard.model import Figures
from ..week.state import Item, Milestone, Task, WeekState

UPSTREAM, DOWNSTREAM = "upstream", "downstream"


@dataclass(frozen=True)
class LinkedTask:
    """A task of another department linked to one of ours: only what the sharing list allows."""

    own_task_id: str
    direction: str  # upstream: we wait for it; downstream: it waits for ours
    task_id: str
    name: str
    department: str
    due: dt.date | None
    status: str


@dataclass(frozen=True)
class Change:
    """What changed since last week for a task in scope. kind: added | removed | due | status."""

    task_id: str
    kind: str
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class Slice:
    """`department`: whose slice (None: the whole project, for the coordinators)."""

    department: str | None
    contents: frozenset[str]
    state: WeekState  # for the project's header (code, week, dates) only: never render its tasks from here
    tasks: tuple[Task, ...] = ()
    linked: tuple[LinkedTask, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    actions: tuple[Item, ...] = ()
    risks: tuple[Item, ...] = ()
    decisions: tuple[ChangeRequest, ...] = ()  # its own requests, and others' naming its tasks (cut down)
    scorecard: Figures | None = None
    changes: tuple[Change, ...] = ()

    @property
    def whole(self) -> bool:
        return self.department is None


def _linked(state: WeekState, own: tuple[Task, ...], code: str) -> tuple[LinkedTask, ...]:
    ids = {t.task_id for t in own}
    pairs: dict[tuple[str, str, str], None] = {}
    for t in own:
        for p in t.predecessors:
            pairs[(t.task_id, UPSTREAM, p)] = None
        for s in t.successors_other_depts:
            pairs[(t.task_id, DOWNSTREAM, s)] = None
    for own_id in ids:  # successors found from their side too (the sort below fixes the order)
        for other in state.waiting_on(own_id):
            if other.department != code:
                pairs[(own_id, DOWNSTREAM, other.task_id)] = None
    out = []
    for own_id, direction, other_id in pairs:
        found = state.task(other_id)
        if found is None or found.department == code:
            continue
        out.append(LinkedTask(own_id, direction, found.task_id, found.name, found.department, found.due, found.status))
    return tuple(sorted(out, key=lambda x: (x.own_task_id, x.direction != UPSTREAM, x.task_id)))


def _names(item: Item, code: str, names: tuple[str, ...]) -> bool:
    text = " ".join(str(item.values.get(k) or "") for k in ("description", "response"))
    return (
        item.values.get("raised_by") == code
        or item.values.get("owner_department") == code
        or re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z])", text) is not None
        or any(len(n) > 1 and n in text for n in names)
    )


def _request(req: ChangeRequest, code: str, own: set[str]) -> ChangeRequest:
    """Another department's change request naming tasks of ours, as we see it: the request, its
    decision, the tasks of ours it names and the dates it proposes for them; not the other tasks,
    nor the filer's reason, impact or the lead's assessment, nor what the register found in it but
    the notice that it names our task."""
    return dataclasses.replace(
        req,
        reason="",
        impact="",
        lead_assessment="",
        tasks=tuple(t for t in req.tasks if t in own),
        proposed={t: d for t, d in req.proposed.items() if t in own},
        checks=tuple(c for c in req.checks if c[0] == OTHER_DEPARTMENT and ("owner", code) in c[1]),
    )


def _requests(state: WeekState, code: str, own: set[str]) -> tuple[ChangeRequest, ...]:
    """The department's change requests, and those of others naming one of its tasks (cut down), in the register's order."""
    return tuple(
        c if c.department == code else _request(c, code, own)
        for c in state.changes
        if c.department == code or own.intersection(c.tasks)
    )


def _risk(item: Item, code: str) -> Item:
    """Another department's risk that names ours: without its owner (a person of that department)."""
    if item.department == code:
        return item
    return Item(item.department, {k: v for k, v in item.values.items() if k != "owner"}, item.overdue)


def _changes(state: WeekState, tasks: tuple[Task, ...], linked: tuple[LinkedTask, ...]) -> tuple[Change, ...]:
    if state.previous_tasks is None:
        return ()
    now = {t.task_id: (t.due, t.status) for t in tasks} | {x.task_id: (x.due, x.status) for x in linked}
    own = {t.task_id for t in tasks}
    out = []
    for task_id, (due, status) in now.items():
        old = state.previous_task(task_id)
        if old is None:
            out.append(Change(task_id, "added"))
            continue
        if old.due != due:
            out.append(Change(task_id, "due", old.due.isoformat() if old.due else "", due.isoformat() if due else ""))
        if old.status != status:
            out.append(Change(task_id, "status", old.status, status))
    department = next(iter({t.department for t in tasks}), None)
    out += [
        Change(t.task_id, "removed")
        for t in (state.previous_department_tasks(department) if department is not None else ())
        if t.task_id not in own
    ]
    return tuple(sorted(out, key=lambda c: (c.task_id, c.kind)))


def department_slice(state: WeekState, code: str, contents: frozenset[str], names: tuple[str, ...] = ()) -> Slice:
    """Department `code`'s slice holding `contents` (sharing.CONTENTS); `names` are how the
    department is called besides its code (its Chinese and English names), to find the risks that name it."""
    own = state.department_tasks(code)
    tasks = own if "own_tasks" in contents else ()
    linked = _linked(state, own, code) if "linked_tasks" in contents else ()
    figures: Figures | None = None
    if "scorecard" in contents and state.scorecard is not None:
        score = next((d for d in state.scorecard.departments if d.department == code), None)
        figures = score.current if score is not None else None
    return Slice(
        code,
        contents,
        state,
        tasks=tasks,
        linked=linked,
        milestones=state.milestones if "milestones" in contents else (),
        actions=tuple(a for a in state.actions if a.values.get("owner_department") == code)
        if "actions" in contents
        else (),
        risks=tuple(_risk(r, code) for r in state.risks if r.department == code or _names(r, code, names))
        if "risks" in contents
        else (),
        decisions=_requests(state, code, {t.task_id for t in own}) if "decisions" in contents else (),
        scorecard=figures,
        changes=_changes(state, tasks, linked),
    )


def whole_slice(state: WeekState) -> Slice:
    """Everything: the coordinators' calendar."""
    return Slice(
        None,
        frozenset({"master"}),
        state,
        tasks=state.tasks,
        milestones=state.milestones,
        actions=state.actions,
        risks=state.risks,
        decisions=state.changes,
    )
