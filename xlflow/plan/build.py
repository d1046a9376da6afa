"""Building the master plan from submissions: build_plan() and the per-task and per-department figures.

build_plan() is pure: submissions + workspace + as_of in, a MasterPlan out, nothing read
from the clock or the disk. Column lists always come from the spec (workbook_templates/),
never typed again here. service/merge.py finds the submissions and has output/master write
the plan out.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..check.model import Submission, WorkbookData
from ..config import Workspace
from ..i18n import Phrase
from ..spec.catalog import Catalog, load_catalog
from ..workdays import WorkCalendar, week_start
from . import graph
from .model import (
    COLLISION,
    CYCLE,
    SCHEDULED_EARLY,
    STARTED_EARLY,
    DeptStats,
    MasterPlan,
    Problem,
    Record,
    SubmissionInfo,
    Task,
    percent_of,
    status_codes,
)
from .raci import raci_conflicts

_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[int | str, ...]:
    """RD-2 before RD-10: the text split around its runs of digits (every odd part), those as numbers."""
    parts: list[int | str] = list(_DIGITS.split(text.casefold()))
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


@dataclass
class _Gathered:
    """What the valid submissions hold, in submission order (the tasks are sorted later)."""

    tasks: list[Task] = field(default_factory=list)
    raci: list[Record] = field(default_factory=list)
    issues: list[Record] = field(default_factory=list)
    actions: list[Record] = field(default_factory=list)
    infos: list[SubmissionInfo] = field(default_factory=list)


def build_plan(submissions: list[Submission], ws: Workspace, as_of: dt.date, *,
               versions: dict[str, int] | None = None, file_names: dict[str, str] | None = None,
               calendar: WorkCalendar | None = None, catalog: Catalog | None = None,
               submitted: frozenset[str] | None = None) -> MasterPlan:
    """Merge valid submissions into one plan as seen on `as_of`.

    Invalid submissions only appear on the Submissions list. `versions` and `file_names`
    (by department) come from the accepted/ sidecars when there are any. The statuses
    counted are those of `catalog` (the installed spec by default). `submitted`, the
    departments that submitted this week (store.state.submitted_departments, the one
    definition), overrides the guess from the received times of files merged by hand.
    """
    statuses = status_codes(catalog or load_catalog())
    cal = calendar or WorkCalendar.from_settings(ws.calendar)
    known = [d.code for d in ws.departments]
    valid = [s for s in submissions if s.valid]  # (each one's findings looked through once)
    extra = sorted({s.department for s in valid if s.department and s.department not in known})
    departments = known + extra
    got = _gather(submissions, as_of, versions or {}, file_names or {})
    tasks = got.tasks
    order = {code: i for i, code in enumerate(departments)}
    tasks.sort(key=lambda t: (order.get(t.department, len(order)), _natural(t.task_id), t.excel_row))
    _assess(tasks, as_of, cal, ws.summary.due_soon_days)

    by_id: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        by_id[t.task_id.casefold()].append(t)
    collisions = {group[0].task_id: sorted({t.department for t in group}, key=lambda d: order.get(d, 0))
                  for group in by_id.values() if len(group) > 1 and len({t.department for t in group}) > 1}
    problems = [Problem(COLLISION, depts[0], task_id, depts[1], task_id, ", ".join(depts))
                for task_id, depts in collisions.items()]
    links = graph.link(tasks, by_id, problems)
    cycles = graph.cycles(tasks)
    problems += _schedule_problems(links, cycles)
    critical, end = graph.critical_path(tasks, cycles, as_of, cal)

    stats = _stats(departments, tasks, valid, as_of, ws, statuses)
    if submitted is not None:
        for code, s in stats.items():
            s.submitted_this_week = code in submitted
    not_submitted = [d for d in known if not stats[d].submitted_this_week]
    return MasterPlan(ws, as_of, week_start(as_of, ws.project.week_start), departments, tasks, links, problems,
                      cycles, critical, end, collisions, got.raci, got.issues, got.actions, got.infos, stats,
                      not_submitted, statuses, raci_conflicts(got.raci, departments))


def _gather(submissions: list[Submission], as_of: dt.date, versions: dict[str, int],
            file_names: dict[str, str]) -> _Gathered:
    """Tasks and side-table records of every valid submission, and a SubmissionInfo for each one."""
    got = _Gathered()
    for sub in submissions:
        dept = sub.department or (sub.data.department if sub.data else None)
        file = file_names.get(dept or "", sub.path.name)
        count = 0
        data = sub.data
        valid = sub.valid
        if valid and dept and data is not None:
            for row in data.rows("wbs", "tasks"):
                task_id = str(row.values.get("task_id") or "").strip()
                if not task_id:
                    continue
                status = row.values.get("status")
                got.tasks.append(Task(dept, task_id, row.values, file, sub.received, row.excel_row,  # shared, read-only
                                      status if isinstance(status, str) else None))
                count += 1
            got.raci += [Record(dept, dict(r.values), file) for r in data.rows("raci", "matrix")]
            for r in data.rows("issues", "log"):
                deadline = r.values.get("deadline")
                late = r.values.get("status") != "closed" and isinstance(deadline, dt.date) and deadline < as_of
                got.issues.append(Record(dept, dict(r.values), file, late))
            got.actions += _actions(dept, data, file, as_of)
        got.infos.append(SubmissionInfo(dept, file, sub.path, sub.received, versions.get(dept or ""), sub.sha256,
                                        len(sub.report.errors), len(sub.report.warnings), count,
                                        bool(valid and dept)))
    return got


def _actions(dept: str, data: WorkbookData, file: str, as_of: dt.date) -> list[Record]:
    """The action items of a department's meeting log, each with its meeting (ID, name, type,
    date); an open item past its due date is overdue. Items of every meeting stay until done."""
    meetings = {str(m.values.get("meeting_id")): m.values for m in data.rows("minutes", "meetings")}
    out = []
    for r in data.rows("minutes", "actions"):
        meeting = meetings.get(str(r.values.get("meeting_id")), {})
        due = r.values.get("due")
        late = r.values.get("status") != "done" and isinstance(due, dt.date) and due < as_of
        values = {**{k if k.startswith("meeting") else f"meeting_{k}": v for k, v in meeting.items()}, **r.values}
        out.append(Record(dept, values, file, late))
    return out


def _schedule_problems(links: list[tuple[Task, Task]], cycles: list[list[Task]]) -> list[Problem]:
    """Cycles, and successors started or scheduled to start before an open predecessor is due."""
    problems = []
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
    return problems


def _assess(tasks: list[Task], as_of: dt.date, cal: WorkCalendar, due_soon_days: int) -> None:
    """Health and effective status from the dates: past due and not done is delayed whatever it
    says, blocked included; the reported status stays beside it in the master. A
    blocked task not yet due is "blocked", not on track or due soon."""
    for t in tasks:
        due = t.due
        if t.status == "done":
            t.effective_status, t.health = "done", "done"
            continue
        t.effective_status = t.status
        if due is None:
            t.health = "unscheduled"
        elif due < as_of:
            t.health, t.effective_status = "overdue", "delayed"
            t.days_late = cal.between(due, as_of)
        else:
            t.days_to_due = days = cal.between(as_of, due)
            if t.status == "blocked":  # never "on track" beside a blocked task, however far its due date
                t.health = "blocked"
            else:
                t.health = "due_soon" if days <= due_soon_days else "on_track"


def _stats(departments: list[str], tasks: list[Task], valid: list[Submission], as_of: dt.date,
           ws: Workspace, statuses: tuple[str, ...]) -> dict[str, DeptStats]:
    """Each department's counts of its tasks, and its last submission (of the `valid` ones)."""
    stats = {d: DeptStats(d, by_status=dict.fromkeys(statuses, 0)) for d in departments}
    sums: dict[str, float] = defaultdict(float)
    for t in tasks:
        s = stats[t.department]
        s.tasks += 1
        if t.effective_status in s.by_status:
            s.by_status[t.effective_status] += 1
        s.by_health[t.health] += 1
        s.blocked += t.status == "blocked" and not t.done
        sums[t.department] += percent_of(t)
    start = week_start(as_of, ws.project.week_start)
    for sub in valid:
        dept = sub.department
        if not dept or dept not in stats or sub.received is None:
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
