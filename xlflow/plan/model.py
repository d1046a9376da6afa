"""The master plan: every department's tasks in one model, with health, dependencies and the critical path.

build_plan() is pure: submissions + workspace + as_of in, a MasterPlan out, nothing
read from the clock or the disk. Column lists always come from the spec
(workbook_templates/), never typed again here. merge.py finds the submissions and
has master.py write the plan out.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..check.model import Submission
from ..config import Workspace
from ..i18n import Phrase
from ..spec.catalog import Catalog, load_catalog
from ..workdays import WorkCalendar, week_start

STATUSES = ("not_started", "in_progress", "done", "delayed", "blocked")
HEALTHS = ("done", "on_track", "due_soon", "overdue", "unscheduled")

# Kinds of dependency problem (message keys "merge-problem-<kind>" in merge.toml).
BROKEN, AMBIGUOUS, CYCLE, STARTED_EARLY, SCHEDULED_EARLY, COLLISION = (
    "broken_link", "ambiguous_link", "cycle", "started_before_predecessor_done",
    "starts_before_predecessor_due", "id_collision")


@dataclass(eq=False, slots=True)
class Task:
    """One row of a department's WBS, with what the master computes for it."""

    department: str  # the department whose workbook holds the row
    task_id: str
    values: dict[str, object]  # spec key -> clean value, as validation produced it
    file: str
    received: dt.datetime | None
    excel_row: int
    status: str | None = None  # as reported
    effective_status: str | None = None  # delayed when past due and not done
    health: str = "unscheduled"
    days_to_due: int | None = None  # working days from as_of to the due date, for open tasks not late
    days_late: int | None = None  # working days past the due date, for open late tasks
    predecessors: list["Task"] = field(default_factory=list)
    successors: list["Task"] = field(default_factory=list)
    projected_finish: dt.date | None = None

    @property
    def done(self) -> bool:
        return self.effective_status == "done"

    @property
    def start(self) -> dt.date | None:
        return self.values.get("start")  # type: ignore[return-value]

    @property
    def due(self) -> dt.date | None:
        return self.values.get("due")  # type: ignore[return-value]

    @property
    def open_predecessors(self) -> list["Task"]:
        return [p for p in self.predecessors if not p.done]

    @property
    def successors_other_depts(self) -> list["Task"]:
        return [s for s in self.successors if s.department != self.department]

    @property
    def started(self) -> bool:
        percent = self.values.get("percent") or 0
        return self.status in ("in_progress", "done") or bool(self.values.get("actual_finish")) or percent > 0


@dataclass(frozen=True)
class Problem:
    """Something wrong with the links between tasks; `kind` is one of the module constants."""

    kind: str
    department: str
    task_id: str
    other_department: str | None = None
    other_task_id: str | None = None
    detail: str | Phrase = ""  # e.g. the cycle as "A → B → A"; a Phrase is told in the master's language


@dataclass(frozen=True)
class SubmissionInfo:
    department: str | None
    file: str
    path: Path
    received: dt.datetime | None
    version: int | None
    sha256: str
    errors: int
    warnings: int
    tasks: int
    included: bool

    @property
    def result(self) -> str:
        if not self.included:
            return "rejected"
        return "warnings" if self.warnings else "accepted"


@dataclass
class DeptStats:
    code: str
    tasks: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    by_health: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HEALTHS, 0))
    percent_complete: float = 0.0  # mean percent of its tasks, done counting 100
    last_received: dt.datetime | None = None
    submitted_this_week: bool = False
    blocked: int = 0  # open tasks reported blocked, late or not (a late one's effective status is delayed)

    @property
    def overdue(self) -> int:
        return self.by_health["overdue"]


@dataclass(frozen=True)
class Record:
    """A row of a merged side table (RACI, issues, actions): its department and clean values."""

    department: str
    values: dict[str, object]
    file: str = ""
    overdue: bool = False


@dataclass
class MasterPlan:
    ws: Workspace
    as_of: dt.date
    week_start: dt.date
    departments: list[str]  # the order of the workspace, then unknown ones
    tasks: list[Task]  # sorted by department and ID
    links: list[tuple[Task, Task]]  # (predecessor, successor), every resolved link
    problems: list[Problem]
    cycles: list[list[Task]]
    critical_path: list[Task]  # first to last; the last one finishes at end_date
    end_date: dt.date | None
    collisions: dict[str, list[str]]  # task ID -> departments that use it
    raci: list[Record]
    issues: list[Record]
    actions: list[Record]
    submissions: list[SubmissionInfo]
    stats: dict[str, DeptStats]
    not_submitted: list[str]  # departments with nothing received since week_start

    @property
    def cross_links(self) -> list[tuple[Task, Task]]:
        return [(p, s) for p, s in self.links if p.department != s.department]

    def totals(self) -> DeptStats:
        total = DeptStats("*")
        for s in self.stats.values():
            total.tasks += s.tasks
            for k, v in s.by_status.items():
                total.by_status[k] += v
            for k, v in s.by_health.items():
                total.by_health[k] += v
            total.blocked += s.blocked
        total.percent_complete = (sum(_percent(t) for t in self.tasks) / len(self.tasks)) if self.tasks else 0.0
        return total

    def delays(self) -> list[Task]:
        """What the weekly meeting goes through: late, delayed or blocked open tasks, the latest first."""
        out = [t for t in self.tasks if not t.done and
               (t.effective_status in ("delayed", "blocked") or t.health == "overdue")]
        # self.tasks is already in department and natural-ID order, and sorting is stable
        return sorted(out, key=lambda t: -(t.days_late or 0))

    def snapshot_rows(self) -> list[dict]:
        """Per task what the state DB keeps for week-over-week comparison."""
        rows = []
        for t in self.tasks:
            get = t.values.get
            rows.append({
                "department": t.department, "task_id": t.task_id, "name": get("name"),
                "owner": get("owner"), "owner_department": get("owner_department"),
                "status": t.effective_status, "reported_status": t.status, "health": t.health,
                "percent": get("percent"), "start": get("start"), "due": get("due"),
                "reason": get("reason"), "predecessors": list(get("predecessors") or ()),
                "successors_other_depts": [s.task_id for s in t.successors_other_depts] if t.successors else [],
                "days_late": t.days_late,
            })
        return rows


def _percent(t: Task) -> float:
    if t.done:
        return 100.0
    value = t.values.get("percent")
    return float(value) if isinstance(value, (int, float)) else 0.0


_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    """RD-2 before RD-10: the text split around its runs of digits (every odd part), those as numbers."""
    parts = _DIGITS.split(text.casefold())
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


# ---- the pure model ----------------------------------------------------------------------------

def build_plan(submissions: list[Submission], ws: Workspace, as_of: dt.date, *,
               versions: dict[str, int] | None = None, file_names: dict[str, str] | None = None,
               calendar: WorkCalendar | None = None, catalog: Catalog | None = None,
               submitted: frozenset[str] | None = None) -> MasterPlan:
    """Merge valid submissions into one plan as seen on `as_of`.

    Invalid submissions only appear on the Submissions list. `versions` and `file_names`
    (by department) come from the accepted/ sidecars when there are any. `submitted`, the
    departments that submitted this week (store.state.submitted_departments), overrides the
    guess from the submissions' received times.
    """
    catalog = catalog or load_catalog()
    cal = calendar or WorkCalendar.from_settings(ws.calendar)
    versions, file_names = versions or {}, file_names or {}
    known = [d.code for d in ws.departments]
    valid = [s for s in submissions if s.valid]
    extra = sorted({s.department for s in valid if s.department and s.department not in known})
    departments = known + extra

    tasks: list[Task] = []
    raci: list[Record] = []
    issues: list[Record] = []
    actions: list[Record] = []
    infos: list[SubmissionInfo] = []
    for sub in submissions:
        dept = sub.department or (sub.data.department if sub.data else None)
        file = file_names.get(dept or "", sub.path.name)
        count = 0
        if sub.valid and dept:
            data = sub.data
            for row in data.rows("wbs", "tasks"):
                task_id = str(row.values.get("task_id") or "").strip()
                if not task_id:
                    continue
                tasks.append(Task(dept, task_id, row.values, file, sub.received, row.excel_row,  # shared, read-only
                                  status=row.values.get("status")))  # type: ignore[arg-type]
                count += 1
            raci += [Record(dept, dict(r.values), file) for r in data.rows("raci", "matrix")]
            for r in data.rows("issues", "log"):
                deadline = r.values.get("deadline")
                late = r.values.get("status") != "closed" and isinstance(deadline, dt.date) and deadline < as_of
                issues.append(Record(dept, dict(r.values), file, late))
            minutes = data.forms.get("minutes")
            card = dict(minutes.card) if minutes else {}
            for r in data.rows("minutes", "actions"):
                due = r.values.get("due")
                late = r.values.get("status") != "done" and isinstance(due, dt.date) and due < as_of
                values = {**{f"meeting_{k}" if not k.startswith("meeting") else k: v for k, v in card.items()},
                          **r.values}
                actions.append(Record(dept, values, file, late))
        infos.append(SubmissionInfo(dept, file, sub.path, sub.received, versions.get(dept or ""), sub.sha256,
                                    len(sub.report.errors), len(sub.report.warnings), count,
                                    bool(sub.valid and dept)))

    order = {code: i for i, code in enumerate(departments)}
    tasks.sort(key=lambda t: (order.get(t.department, len(order)), _natural(t.task_id), t.excel_row))
    for t in tasks:
        _assess(t, as_of, cal, ws.summary.due_soon_days)

    by_id: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        by_id[t.task_id.casefold()].append(t)
    collisions = {group[0].task_id: sorted({t.department for t in group}, key=lambda d: order.get(d, 0))
                  for group in by_id.values() if len({t.department for t in group}) > 1}
    problems = [Problem(COLLISION, depts[0], task_id, depts[1], task_id, ", ".join(depts))
                for task_id, depts in collisions.items()]

    links = _link(tasks, by_id, problems)
    cycles = _cycles(tasks)
    for cycle in cycles:
        path = " → ".join(t.task_id for t in cycle + cycle[:1])
        problems.append(Problem(CYCLE, cycle[0].department, cycle[0].task_id, detail=path))
    for pred, succ in links:
        if pred.done:
            continue
        if succ.started:
            problems.append(Problem(STARTED_EARLY, succ.department, succ.task_id, pred.department, pred.task_id))
        elif succ.start and pred.due and succ.start < pred.due:
            problems.append(Problem(SCHEDULED_EARLY, succ.department, succ.task_id, pred.department, pred.task_id,
                                    Phrase("merge-detail-starts-early", start=succ.start.isoformat(),
                                           due=pred.due.isoformat())))
    critical, end = _critical_path(tasks, cycles, as_of, cal)

    stats = _stats(departments, tasks, submissions, as_of, ws)
    if submitted is not None:
        for code, s in stats.items():
            s.submitted_this_week = code in submitted
    start_of_week = week_start(as_of, ws.project.week_start)
    not_submitted = [d for d in known if not stats[d].submitted_this_week]
    return MasterPlan(ws, as_of, start_of_week, departments, tasks, links, problems, cycles, critical, end,
                      collisions, raci, issues, actions, infos, stats, not_submitted)


def _assess(t: Task, as_of: dt.date, cal: WorkCalendar, due_soon_days: int) -> None:
    """Health and effective status from the dates: past due and not done is delayed whatever it
    says (FORMS.md), blocked included; the reported status stays beside it in the master."""
    due = t.due
    if t.status == "done":
        t.effective_status, t.health = "done", "done"
        return
    t.effective_status = t.status
    if not isinstance(due, dt.date):
        t.health = "unscheduled"
        return
    if due < as_of:
        t.health, t.effective_status = "overdue", "delayed"
        t.days_late = cal.between(due, as_of)
        return
    t.days_to_due = cal.between(as_of, due)
    t.health = "due_soon" if t.days_to_due <= due_soon_days else "on_track"


def _resolve(ref: str, owner: Task, by_id: dict[str, list[Task]]) -> list[Task]:
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


def _link(tasks: list[Task], by_id: dict[str, list[Task]], problems: list[Problem]) -> list[tuple[Task, Task]]:
    links = []
    for t in tasks:
        seen: set[int] = set()
        for ref in t.values.get("predecessors") or ():
            ref = str(ref).strip()
            if not ref:
                continue
            found = _resolve(ref, t, by_id)
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


def _cycles(tasks: list[Task]) -> list[list[Task]]:
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


def _critical_path(tasks: list[Task], cycles: list[list[Task]], as_of: dt.date,
                   cal: WorkCalendar) -> tuple[list[Task], dt.date | None]:
    """The chain of open tasks that ends last.

    Each open task's projected finish is the latest of its due date, as_of when it is
    already late, and the finish of each open predecessor plus the task's own duration
    in working days. The path walks back from the task that finishes last through the
    open predecessor that finishes last. Tasks in a cycle keep their own dates.
    One pass in topological order (Kahn): linear in tasks + links.
    """
    in_cycle = {t for c in cycles for t in c}
    open_tasks = [t for t in tasks if not t.done and isinstance(t.due, dt.date)]
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
    while queue:
        t = queue.pop()
        finish = max(t.due, as_of)
        if t in live:
            best = None
            for p in t.predecessors:
                if p in live and (best is None or p.projected_finish > best.projected_finish):
                    best = p
            if best is not None:
                duration = max(cal.span(t.start, t.due), 1) if isinstance(t.start, dt.date) else 1
                driver[t] = best
                finish = max(finish, cal.add(best.projected_finish, duration))
            t.projected_finish = finish
            for s in t.successors:
                if s in live:
                    indegree[s] -= 1
                    if indegree[s] == 0:
                        queue.append(s)
        else:
            t.projected_finish = finish
    last = max((t for t in open_tasks if t.projected_finish), key=lambda t: t.projected_finish, default=None)
    if last is None:
        return [], None
    chain = [last]
    while chain[-1] in driver:
        chain.append(driver[chain[-1]])
    chain.reverse()
    return chain, last.projected_finish


def _stats(departments: list[str], tasks: list[Task], submissions: list[Submission], as_of: dt.date,
           ws: Workspace) -> dict[str, DeptStats]:
    stats = {d: DeptStats(d) for d in departments}
    sums: dict[str, float] = defaultdict(float)
    for t in tasks:
        s = stats[t.department]
        s.tasks += 1
        if t.effective_status in s.by_status:
            s.by_status[t.effective_status] += 1
        s.by_health[t.health] += 1
        s.blocked += t.status == "blocked" and not t.done
        sums[t.department] += _percent(t)
    start = week_start(as_of, ws.project.week_start)
    for sub in submissions:
        dept = sub.department
        if not dept or dept not in stats or not sub.valid or sub.received is None:
            continue
        s = stats[dept]
        received = sub.received
        if s.last_received is None or _naive(received) > _naive(s.last_received):
            s.last_received = received
        if start <= _local_date(received) <= as_of:
            s.submitted_this_week = True
    for d, s in stats.items():
        s.percent_complete = sums[d] / s.tasks if s.tasks else 0.0
    return stats


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value


def _local_date(value: dt.datetime) -> dt.date:
    return _naive(value).date()
