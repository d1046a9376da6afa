"""The intake's check of a change request against the project: the tasks it names should exist.

The check (check/change_rules.py) sees one file; here the project's current plan is known, so a
task ID no department has (a typo, a task since removed) is a warning naming the cell. A task
of a department without any plan yet cannot be checked and is not reported. Pure.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import cast

from ...check.model import FormData, Submission
from ...findings import WARNING, Finding
from ...plan.guard import task_values
from ...spec.catalog import Form, load_catalog
from .requests import AFFECTED, DECISIONS, FORM, REQUESTS, key, requests_of

# (table, column of the task IDs, column of the change ID) of the change-request form
_WHERE = ((REQUESTS, "tasks_affected", "change_id"), (AFFECTED, "task_id", "change_ref"))


def change_task_findings(sub: Submission, project_tasks: Mapping[str, object], lang: str,
                         others: Iterable[Submission] = (), lead: str | None = None,
                         departments: Iterable[str] = (), start: dt.date | None = None) -> list[Finding]:
    """A warning for each task a change request names that is not in the project's plan (unless it
    is of a configured department without a plan yet), or that is another department's (that
    department is told at the merge); a proposed date before the project's `start` (refused as a
    baseline); in the lead's workbook (`lead`), for each decision on a change ID no department has
    requested (`others`: every department's current submission)."""
    form = sub.data.forms.get(FORM) if sub.data is not None else None
    if form is None:
        return []
    others = tuple(others)
    known = set(project_tasks) | set(task_values(sub))
    planned = {tid.split("-")[0] for tid in known}
    waiting = set(departments) - planned  # departments without a plan yet: their tasks cannot be checked
    owners = {tid: o.department for o in others if o.department for tid in task_values(o)}
    spec = load_catalog().form(FORM)
    out = []
    for table, column, ref in _WHERE:
        label = next(f.label(lang) for f in spec.table(table).fields if f.key == column)
        for row in form.tables.get(table, ()):
            for tid in cast("Iterable[str]", row.values.get(column) or ()):  # task_ids fields: a tuple of IDs
                params = {"change": row.values.get(ref) or ""}
                if tid not in known and tid.split("-")[0] not in waiting:
                    out.append(Finding("change-task-unknown", WARNING, form.sheet, row.cells.get(column), label, tid,
                                       params))
                elif owners.get(tid, sub.department) != sub.department:
                    out.append(Finding("change-task-other", WARNING, form.sheet, row.cells.get(column), label, tid,
                                       params | {"owner": owners[tid]}))
    out += _before_start(form, spec, start, lang) if start else []
    if lead is not None and sub.department == lead:
        out += _unknown_decisions(sub, form, others, lang)
    return out


def _before_start(form: FormData, spec: Form, start: dt.date, lang: str) -> list[Finding]:
    out = []
    fields = {f.key: f for f in spec.table(AFFECTED).fields}
    for row in form.tables.get(AFFECTED, ()):
        for column in ("proposed_start", "proposed_due"):
            day = row.values.get(column)
            if isinstance(day, dt.date) and day < start:
                out.append(Finding("change-date-before-start", WARNING, form.sheet, row.cells.get(column),
                                   fields[column].label(lang), day, {"start": start.isoformat(),
                                                                     "change": row.values.get("change_ref") or ""}))
    return out


def _unknown_decisions(sub: Submission, form: FormData, others: Iterable[Submission], lang: str) -> list[Finding]:
    requested = {key(r.change_id) for other in (*others, sub) if other.department for r in requests_of(other)}
    label = next(f.label(lang) for f in load_catalog().form(FORM).table(DECISIONS).fields if f.key == "change_ref")
    return [Finding("change-decision-unknown", WARNING, form.sheet, row.cells.get("change_ref"), label,
                    row.values["change_ref"])
            for row in form.tables.get(DECISIONS, ())
            if row.values.get("change_ref") and key(row.values["change_ref"]) not in requested]
