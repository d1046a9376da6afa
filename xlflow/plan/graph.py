"""The dependency graph of a plan: predecessor links resolved across departments, cycles, the critical path.

Each function works on the tasks build.py made and fills in their links and projected finish;
problems found on the way are appended to the caller's list.
"""
from __future__ import annotations

import datetime as dt

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
        seen: set[int] = set()
        for ref in t.predecessor_ids:
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
            if id(pred) in seen:
                continue
            seen.add(id(pred))
            t.predecessors.append(pred)
            pred.successors.append(t)
            links.append((pred, t))
    return links


def cycles(tasks: list[Task]) -> list[list[Task]]:
    """Strongly connected components with more than one task, or a task that needs itself (Tarjan, iterative).

    Only a task with both predecessors and successors can be on a cycle, so only those are walked
    (most tasks of a plan have no link at all). Tasks hash by identity (eq=False), so they are the keys.
    """
    linked = {t for t in tasks if t.predecessors and t.successors}
    index: dict[Task, int] = {}
    low: dict[Task, int] = {}
    on_stack: set[Task] = set()
    stack: list[Task] = []
    out: list[list[Task]] = []
    counter = 0
    for root in tasks:
        if root not in linked or root in index:
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
    One pass in topological order (Kahn): linear in tasks + links.
    """
    in_cycle = {t for c in cycles for t in c}
    dues = {t: t.due for t in tasks if not t.done and isinstance(t.due, dt.date)}
    open_tasks = list(dues)
    if not open_tasks:
        return [], None
    live = {t for t in open_tasks if t not in in_cycle}  # the acyclic graph the projection walks
    indegree = dict.fromkeys(live, 0)
    for t in live:
        for p in t.predecessors:
            if p in live:
                indegree[t] += 1
    queue = [t for t in open_tasks if t not in live or indegree[t] == 0]
    driver: dict[Task, Task] = {}
    finished: dict[Task, dt.date] = {}  # the projected finishes (a predecessor's is known before its successors')
    while queue:
        t = queue.pop()
        finish = max(dues[t], as_of)
        if t in live:
            best = None
            for p in t.predecessors:
                if p in live and (best is None or finished[p] > finished[best]):
                    best = p
            if best is not None:
                duration = max(cal.span(t.start, dues[t]), 1) if isinstance(t.start, dt.date) else 1
                driver[t] = best
                finish = max(finish, cal.add(finished[best], duration))
            t.projected_finish = finished[t] = finish
            for s in t.successors:
                if s in live:
                    indegree[s] -= 1
                    if indegree[s] == 0:
                        queue.append(s)
        else:
            t.projected_finish = finished[t] = finish
    last = max((t for t in open_tasks if t in finished), key=finished.__getitem__, default=None)
    if last is None:
        return [], None
    chain = [last]
    while chain[-1] in driver:
        chain.append(driver[chain[-1]])
    chain.reverse()
    return chain, finished[last]
