"""A department's week: the WeekState narrowed to what its slice holds, for its weekly brief.

One rule, one place: what a department may see is decided by scope.py's `department_slice` (the
same slice its workbook and calendar are written from). This module only turns that slice back
into a WeekState, so the brief renders it like any other week and no section of it can list a
task the slice left out:

- tasks: the slice's own tasks, whole but for links to tasks out of scope, and its linked tasks of other departments cut down as the
  slice cuts them (ID, name, department, due date, status; their links only to the department's
  own tasks; no owner, percent, reason or notes);
- the week before and the older week ("not updated"): the same tasks, cut the same way;
- risks, action items, decisions (the change register), milestones: the slice's;
- the department's own standing, versions, moves against the baseline, escalations, late
  submissions, cells edited in the master; RACI conflicts naming it, dependency problems between
  tasks in scope;
  nothing of what reading the master back said (that is the coordinators').
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..features.control.moves import Control
from ..week.state import LinkProblem, Task, WeekState
from .scope import UPSTREAM, Slice


def _cut(task: Task, predecessors: Iterable[str], successors: Iterable[str]) -> Task:
    """Another department's task as a slice shows it: no owner, percent, reason or notes."""
    return Task(
        task.department,
        task.task_id,
        task.name,
        due=task.due,
        status=task.status,
        predecessors=tuple(dict.fromkeys(predecessors)),
        successors_other_depts=tuple(dict.fromkeys(successors)),
    )


def _links(piece: Slice) -> dict[str, tuple[list[str], list[str]]]:
    """Each linked task's links to the department's own tasks: (its predecessors, its successors)."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for x in piece.linked:
        preds, succs = out.setdefault(x.task_id, ([], []))
        (succs if x.direction == UPSTREAM else preds).append(x.own_task_id)
    return out


def _own(task: Task, scope: set[str]) -> Task:
    """The department's own task, its links kept to the tasks in scope (the slice shows none else)."""
    return dataclasses.replace(
        task,
        predecessors=tuple(i for i in task.predecessors if i in scope),
        successors_other_depts=tuple(i for i in task.successors_other_depts if i in scope),
    )


def _plan(tasks: Iterable[Task] | None, code: str, own: bool, links: dict, scope: set[str]) -> tuple[Task, ...] | None:
    """`tasks` (a plan of the week) kept to the slice's: the department's own whole, the linked cut."""
    if tasks is None:
        return None
    out = []
    for t in tasks:
        if t.department == code:
            if own:
                out.append(_own(t, scope))
        elif t.task_id in links:
            out.append(_cut(t, *links[t.task_id]))
    return tuple(out)


def _problem(p: LinkProblem, code: str, scope: set[str], state: WeekState) -> bool:
    """A dependency problem of the department's own task with one in scope (or one that does not
    exist: its own broken link), or of a linked task with one of its own."""
    if p.department == code:
        return p.task_id in scope and (
            not p.other_task_id or p.other_task_id in scope or state.task(p.other_task_id) is None
        )
    return p.other_department == code and p.task_id in scope and p.other_task_id in scope


def _control(control: Control | None, code: str) -> Control | None:
    if control is None:
        return None
    moves = tuple(m for m in control.moves if m.department == code)
    ids = {m.task_id for m in moves}
    return dataclasses.replace(
        control,
        moves=moves,
        baselines={k: v for k, v in control.baselines.items() if k in ids},
        slips={k: v for k, v in control.slips.items() if k in ids},
    )


def scoped_week(piece: Slice) -> WeekState:
    """The week of `piece.state` holding only what the department's slice `piece` holds."""
    state, code = piece.state, piece.department or ""
    links = _links(piece)
    own = bool(piece.tasks)
    linked = {x.task_id: x for x in piece.linked}
    scope = {t.task_id for t in piece.tasks} | set(linked)
    tasks = tuple(_own(t, scope) for t in piece.tasks) + tuple(
        _cut(Task(x.department, i, x.name, due=x.due, status=x.status), *links[i]) for i, x in linked.items()
    )
    return dataclasses.replace(
        state,
        tasks=tasks,
        departments=tuple(d for d in state.departments if d.code == code),
        previous_tasks=_plan(state.previous_tasks, code, own, links, scope),
        older_tasks=_plan(state.older_tasks, code, own, links, scope),
        milestones=piece.milestones,
        critical_path=tuple(i for i in state.critical_path if i in scope),
        versions=tuple(v for v in state.versions if v.department == code),
        changes=tuple(piece.decisions),
        moves=tuple(m for m in state.moves if m.department == code),
        risks=piece.risks,
        actions=piece.actions,
        problems=tuple(p for p in state.problems if _problem(p, code, scope, state)),
        raci_conflicts=tuple(c for c in state.raci_conflicts if code in (*c.departments, *c.sources)),
        late_submissions=tuple(s for s in state.late_submissions if s.department == code),
        escalations=tuple(e for e in state.escalations if e.department == code),
        master_edits=tuple(e for e in state.master_edits if e.department == code),
        master_notices=(),
        control=_control(state.control, code),
    )
