"""Change control in the workspace: approved change requests re-baseline the tasks they name; the
plan is classified against its baselines for the master and the brief (plan/control.py); at intake
an unapproved date move is a warning at the task's cell, and a later due date that pushes another
department's task is mailed to that department.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from ..check.model import Submission
from ..config import Workspace
from ..errors import XlflowError
from ..findings import WARNING, Finding
from ..i18n import msg
from ..output.brief.control import BriefControl, brief_control
from ..output.mail import compose, deliver
from ..output.signature import greeting, signature
from ..plan.control import (
    APPROVED,
    DATES,
    DUE,
    UNAPPROVED,
    Control,
    Pushed,
    TaskDates,
    classify_change,
    control,
    pushed_successors,
    successor_index,
)
from ..plan.changes import ChangeRequest
from ..plan.diff import PlanDiff
from ..plan.guard import task_values, workbook_lang
from ..plan.model import MasterPlan
from ..spec.catalog import load_catalog
from ..store.baselines import Baseline, Baselines, TaskBaselines
from ..store.snapshots import Snapshot, SnapshotTask
from ..store.state import StateDB
from ..store.weekparts import recorded_control
from ..store.weekrecord import WeekRecord
from ..workdays import WorkCalendar, day_text
from .baselines import backfill


def change_requests(ws: Workspace, db: StateDB, submissions: Iterable[Submission] | None = None) -> list[ChangeRequest]:
    """Every department's change requests with the decisions that count (the change register), from
    `submissions` when the caller has them parsed already (else the accepted workbooks)."""
    from .changes import change_register  # here: changes -> versions -> merge -> control would be a cycle

    return list(change_register(ws, db, submissions=submissions))


def apply_approvals(db: StateDB, requests: Iterable, tasks: dict[str, TaskDates],
                    now: dt.datetime | None = None, rows: TaskBaselines | None = None) -> dict[str, Baseline]:
    """Each approved request re-baselines the tasks it names, once: the proposed dates (else the task's
    dates in the plan now) become the baseline, the request's ID its reason. A task whose dates would
    not change keeps its baseline until it moves. Returns every task's current baseline after that.
    `rows`: the baselines the caller read (the new rows are added to it), else read now."""
    store, now = Baselines(db), now or dt.datetime.now().astimezone()
    current = rows.current() if rows is not None else store.current()
    for r in requests:
        if r.status != APPROVED:
            continue
        for task_id in r.tasks:
            base, task = current.get(task_id), tasks.get(task_id)
            if base is None or base.reason == r.change_id:
                continue
            proposed = (r.proposed or {}).get(task_id) or (None, None)
            start = proposed[0] or (task.start if task else None) or base.start
            due = proposed[1] or (task.due if task else None) or base.due
            if (start, due) == (base.start, base.due):
                continue
            made = store.rebaseline(task_id, base.department, start, due, base.owner, r.change_id, now)
            if made is not None:
                current[task_id] = made
                if rows is not None:
                    rows.add(made)
    return current


def plan_dates(plan: MasterPlan) -> list[TaskDates]:
    return [TaskDates(t.task_id, t.department, t.start, t.due, tuple(t.values.get("predecessors") or ()))
            for t in plan.tasks]


def snapshot_dates(tasks: Iterable[SnapshotTask]) -> list[TaskDates]:
    return [TaskDates(t.task_id, t.department, t.start, t.due, tuple(t.predecessors)) for t in tasks]


def plan_control(ws: Workspace, db: StateDB, tasks: Sequence[TaskDates], departments: Iterable[str] | None = None,
                 submissions: Iterable[Submission] | None = None, now: dt.datetime | None = None,
                 base: TaskBaselines | None = None) -> Control:
    """The plan (`tasks`) against its baselines, after the approved requests re-baselined what they name;
    the requests come from `submissions` (default: the accepted workbooks). `base`: the baselines the
    caller read after backfill (a merge reads them once for every step), else read here."""
    if base is None:
        backfill(db)
        base = Baselines(db).read()
    requests = change_requests(ws, db, submissions)
    current = apply_approvals(db, requests, {t.task_id: t for t in tasks}, now, base)
    return control(tasks, base.first(), current, requests, WorkCalendar.from_settings(ws.calendar),
                   departments)


# --- at intake ------------------------------------------------------------------------------------

def intake_control(ws: Workspace, db: StateDB, department: str, sub: Submission, diff: PlanDiff | None,
                   currents: Sequence[Submission], lang: str, now: dt.datetime) -> list[Finding]:
    """An accepted version's date moves against every department's current submission (`currents`, the
    new version among them): approved requests re-baseline first; an unapproved move is a warning at
    the task's cell; a later due date that pushes another department's task is mailed to it."""
    if diff is None:
        return []
    project = project_dates(currents)
    requests = change_requests(ws, db, currents)
    current = apply_approvals(db, requests, {t.task_id: t for t in project}, now)
    rows = {r.values.get("task_id"): r for r in (sub.data.rows("wbs", "tasks") if sub.data else ())}
    sheet = sub.data.forms["wbs"].sheet if sub.data and "wbs" in sub.data.forms else None
    labels = {f.key: f for f in load_catalog().form("wbs").table("tasks").fields}
    change_sheet = load_catalog().form("change").sheet
    out, successors = [], successor_index(project)
    by_id = {t.task_id: t for t in project}
    for c in diff.changes:
        if c.field not in DATES:
            continue
        status, ids = classify_change(c.task_id, c.field, c.new, current.get(c.task_id), requests)
        row = rows.get(c.task_id)
        if status == UNAPPROVED:
            wl = workbook_lang(sheet or "", lang)
            out.append(Finding("change-unapproved", WARNING, sheet, row.cells.get(c.field) if row else None,
                               labels[c.field].label(wl), c.new, {
                                   "task": c.task_id, "old": day_text(c.old), "new": day_text(c.new),
                                   "days": f"{c.days:+d}" if c.days is not None else "—",
                                   "change_sheet": change_sheet(wl)}))
        if c.field == DUE and c.days and c.days > 0:
            moved = by_id.get(c.task_id)
            pushed = pushed_successors(moved, c.new, successors) if moved is not None else ()
            if pushed:
                _mail_pushed(ws, department, c.task_id, c.old, c.new, c.days, status, ids, pushed)
    return out


def project_dates(subs: Iterable[Submission]) -> list[TaskDates]:
    """Every department's current tasks (from their accepted submissions) as TaskDates."""
    out = []
    for sub in subs:
        for tid, v in task_values(sub).items():
            out.append(TaskDates(tid, sub.department or "", v.get("start"), v.get("due"),
                                 tuple(v.get("predecessors") or ())))
    return out


def _mail_pushed(ws: Workspace, department: str, task_id: str, old: dt.date | None, new: dt.date | None,
                 days: int, status: str, ids: tuple[str, ...], pushed: tuple[Pushed, ...]) -> list[str]:
    """One mail to each department whose task the move pushes (and the coordinators); returns problems."""
    problems = []
    by_dept: dict[str, list[Pushed]] = {}
    for p in pushed:
        by_dept.setdefault(p.department, []).append(p)
    mover = ws.department(department)
    for code, mine in by_dept.items():
        dept = ws.department(code)
        lang = ws.lang
        to = [dept.email] if dept and dept.email else []
        status_text = msg(f"control-status-{status}", lang) + (f" ({', '.join(ids)})" if ids else "")
        lines = "\n".join(msg("control-pushed-line", lang, task=p.task_id, start=p.start.isoformat()) for p in mine)
        subject = msg("control-pushed-subject", lang, project=ws.project.name(lang), task=task_id,
                      department=dept.name(lang) if dept else code)
        text = msg("control-pushed-body", lang, mover=mover.name(lang) if mover else department, task=task_id,
                   old=day_text(old), new=day_text(new), days=f"{days:+d}", status=status_text, tasks=lines)
        text = f"{greeting(dept, lang)}\n\n{text.strip()}\n\n-- \n{signature(ws, lang)}\n"
        message = compose(ws, subject, text, None, to + list(ws.email.to),
                          kind=f"pushed-{task_id}-{code}", lang=lang)
        if not message["To"]:
            continue
        try:
            deliver(ws, message, send=ws.email.configured)
        except XlflowError as exc:
            problems.append(exc.message(lang))
    return problems



def control_of_brief(ws: Workspace, db: StateDB, current: Snapshot, lang: str,
                     record: WeekRecord | None = None) -> BriefControl:
    """The brief's plan against the baseline as the merge of its snapshot computed it (stored in the
    week `record`: later decisions and re-baselines do not change it); for a record older than that,
    computed now for the tasks of the snapshot, with the end its merge recorded."""
    calendar = WorkCalendar.from_settings(ws.calendar)
    stored = recorded_control(record)
    if stored is not None:
        return brief_control(ws, stored[0], stored[1], lang, calendar)
    tasks = snapshot_dates(current.tasks)
    found = plan_control(ws, db, tasks, {t.department for t in tasks})
    end = Baselines(db).end_on(current.as_of)
    return brief_control(ws, found, end.projected_end if end else None, lang, calendar)
