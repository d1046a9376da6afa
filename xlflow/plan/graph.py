"""The dependency graph of a plan: predecessor links resolved across departments, cycles, the critical path.

Each function works on the tasks build.py made and fills in their links and projected finish;
problems found on the way are appended to the caller's list.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from operator import attrgetter

from ..workdays import WorkCalendar
from .model import AMBIGUOUS, BROKEN, Problem, Task


def resolve(ref: str, owner: Task, by_id: dict[str, list[Task]]) -> list[Task]:
    """The task a predecessor ID means: unique, or the one in the referring task's department,
    or the one whose department is the ID's prefix. Several left: ambiguous."""
    found = by_id.get(ref.casefold(), [])
    if len(found) <= 1:
        return found
    for rule in (lambda t: t.department == owner.department,
                 lambda t: ref.upper().startswith(t.department.upper() + "-")):
        narrowed = [t for t in found if rule(t)]
        if len(narrowed) == 1:
            return narrowed
    return found


def link(tasks: list[Task], by_id: dict[str, list[Task]], problems: list[Problem]) -> list[tuple[Task, Task]]:
    links = []
    for t in tasks:
        for ref in t.predecessor_ids:  # most tasks have none
            ref = str(ref).strip()
            if not ref:
                continue
            found = resolve(ref, t, by_id)
            if not found:
                problems.append(Problem(BROKEN, t.department, t.task_id, None, ref))
                continue
            if len(found) > 1:
                problems.append(Problem(AMBIGUOUS, t.department, t.task_id, None, ref,
                                        ", ".join(sorted({p.department for p in found}))))
                continue
            pred = found[0]
            if pred in t.predecessors:  # two IDs for one task (by identity: eq=False)
                continue
            t.predecessors.append(pred)
            pred.successors.append(t)
            links.append((pred, t))
    return links


def cycles(tasks: list[Task]) -> list[list[Task]]:
    """Strongly connected components with more than one task, or a task that needs itself (Tarjan, iterative).

    Only a task with both predecessors and successors can be on a cycle, so only those are walked
    (most tasks of a plan have no link at all). Tasks hash by identity (eq=False), so they are the keys.
    """
    walked = [t for t in tasks if t.predecessors and t.successors]
    linked = set(walked)
    index: dict[Task, int] = {}
    low: dict[Task, int] = {}
    on_stack: set[Task] = set()
    stack: list[Task] = []
    out: list[list[Task]] = []
    counter = 0
    for root in walked:
        if root in index:
            continue
        work = [(root, iter(root.successors))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in linked:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(child.successors)))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member is node:
                        break
                if len(component) > 1 or node in node.successors:
                    component.reverse()
                    out.append(component)
    return out


def critical_path(tasks: list[Task], cycles: list[list[Task]], as_of: dt.date,
                   cal: WorkCalendar) -> tuple[list[Task], dt.date | None]:
    """The chain of open tasks that ends last.

    Each open task's projected finish is the latest of its due date, as_of when it is
    already late, and the finish of each open predecessor plus the task's own duration
    in working days. The path walks back from the task that finishes last through the
    open predecessor that finishes last. Tasks in a cycle keep their own dates.
    One pass in topological order (Kahn) over the open tasks that have open predecessors or
    successors: linear in tasks + links; every other task keeps its own date.
    """
    open_tasks = [t for t in tasks if t.due is not None and not t.done]
    if not open_tasks:
        return [], None
    for t in open_tasks:
        t.projected_finish = max(t.due, as_of)  # type: ignore[type-var]  # due is not None: filtered above
    in_cycle = {t for c in cycles for t in c}
    live = {t for t in open_tasks if t not in in_cycle}  # the acyclic graph the projection walks
    before = {t: ps for t in live if t.predecessors and (ps := [p for p in t.predecessors if p in live])}
    waiting = {t: len(ps) for t, ps in before.items()}  # open predecessors not projected yet
    queue = [t for t in live if t.successors and t not in waiting]  # their own dates are their finish
    driver: dict[Task, Task] = {}
    add = cache(cal.add)  # the finishes fall on a few hundred days, the durations a few dozen: each step counted once
    while queue:
        for s in queue.pop().successors:
            if s in waiting:
                waiting[s] -= 1
                if not waiting[s]:
                    driver[s] = _project(s, before[s], cal.span, add)
                    queue.append(s)
    last = max(open_tasks, key=_FINISH)
    chain = [last]
    while chain[-1] in driver:
        chain.append(driver[chain[-1]])
    chain.reverse()
    return chain, last.projected_finish


_FINISH = attrgetter("projected_finish")


def _project(t: Task, before: list[Task], span: Callable[[dt.date, dt.date], int],
             add: Callable[[dt.date, int], dt.date]) -> Task:
    """Push `t`'s projected finish past that of its open predecessor that finishes last (the first
    of them on a tie), by `t`'s duration; all of them are projected. Returns that predecessor."""
    best = max(before, key=_FINISH)
    duration = max(span(t.start, t.due), 1) if t.start is not None and t.due is not None else 1
    t.projected_finish = max(_FINISH(t), add(_FINISH(best), duration))  # (both set before: their own dates)
    return best
