"""Change control at intake: an unapproved date move is a warning at the task's cell, and a later due
date that pushes another department's task is mailed to that department. The plan against its
baselines (re-baselining by approved requests, the classified moves) is computed in
xlflow/week/control.py; its names are kept here for the service layer's callers.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ...check.model import Submission, ids_of
from ...config import Workspace
from ...errors import XlflowError
from ...findings import WARNING, Finding
from ...i18n import msg
from ...output.signature import greeting, signature
from ...plan.diff import PlanDiff
from ...plan.guard import task_values, workbook_lang
from ...spec.catalog import load_catalog
from ...store.state import StateDB
from ...workdays import as_date, day_text
from .moves import DATES, DUE, UNAPPROVED, Pushed, TaskDates, classify_change, pushed_successors, successor_index
from .week import apply_approvals, change_requests, plan_control, plan_dates, snapshot_dates

__all__ = ["apply_approvals", "change_requests", "intake_control", "plan_control", "plan_dates", "project_dates",
           "snapshot_dates"]


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
        old, new = as_date(c.old), as_date(c.new)  # a date field's values
        status, ids = classify_change(c.task_id, c.field, new, current.get(c.task_id), requests)
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
            pushed = pushed_successors(moved, new, successors) if moved is not None else ()
            if pushed:
                _mail_pushed(ws, department, c.task_id, old, new, c.days, status, ids, pushed)
    return out


def project_dates(subs: Iterable[Submission]) -> list[TaskDates]:
    """Every department's current tasks (from their accepted submissions) as TaskDates."""
    out = []
    for sub in subs:
        for tid, v in task_values(sub).items():
            out.append(TaskDates(tid, sub.department or "", as_date(v.get("start")), as_date(v.get("due")),
                                 ids_of(v.get("predecessors"))))
    return out


def _mail_pushed(ws: Workspace, department: str, task_id: str, old: dt.date | None, new: dt.date | None,
                 days: int, status: str, ids: tuple[str, ...], pushed: tuple[Pushed, ...]) -> list[str]:
    """One mail to each department whose task the move pushes (and the coordinators); returns problems."""
    from ...output.mail import compose, deliver  # here: the mail's templates load only when a move pushes a task

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
