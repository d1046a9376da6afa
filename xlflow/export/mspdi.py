"""The master plan as MS Project XML (MSPDI), rendered from the week's state.

A summary task per department holds its tasks (OutlineLevel 1 and 2, OutlineNumber "d" and "d.t",
WBS the department code and the task ID); predecessor IDs become finish-to-start PredecessorLinks
(in the department and across departments); owners become resources with one assignment per task;
the baseline in force becomes Baseline 0; the project calendar carries the workspace's working-day
exceptions (mspdi_calendar). Tasks are written manually scheduled (Manual=1 with ManualStart/
ManualFinish/ManualDuration) so MS Project keeps xlflow's dates instead of rescheduling on open.

Children are written in the order the schema's xs:sequence declares them (Project 2010 and later,
as MS Project and MPXJ write it): readers that validate reject another order, lenient ones may drop
what they did not expect. The tree is built with xml.etree and written atomically.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, indent

from ..config import Workspace
from ..i18n import msg
from ..store.atomic import atomic_path
from ..week.state import Task, WeekState
from ..workdays import WorkCalendar
from .mspdi_calendar import CALENDAR_UID, DAY_END, DAY_START, HOURS_PER_DAY, add, calendars, moment

NAMESPACE = "http://schemas.microsoft.com/project"
SAVE_VERSION = 14  # Project 2010: the first with manually scheduled tasks
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def clean(text: object) -> str:
    """Department text as XML can carry it: characters XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", "" if text is None else str(text))


@dataclass(frozen=True)
class Row:
    """One task of the file: a department's summary (task None) or one of its tasks."""

    uid: int
    outline: str
    name: str
    wbs: str
    task: Task | None
    start: dt.date | None
    finish: dt.date | None
    milestone: bool = False


def resolver(tasks: tuple[Task, ...]):
    """A predecessor ID -> the task it names, as the merge resolves it: unique, else the referring
    task's department, else the department the ID starts with; None when still unclear or absent."""
    by_id: dict[str, list[Task]] = {}
    for t in tasks:
        by_id.setdefault(t.task_id.casefold(), []).append(t)

    def resolve(ref: str, owner: Task) -> Task | None:
        found = by_id.get(ref.strip().casefold(), [])
        if len(found) == 1:
            return found[0]
        for rule in (
            lambda t: t.department == owner.department,
            lambda t: ref.strip().upper().startswith(t.department.upper() + "-"),
        ):
            narrowed = [t for t in found if rule(t)]
            if len(narrowed) == 1:
                return narrowed[0]
        return None

    return resolve


def task_dates(task: Task) -> tuple[dt.date | None, dt.date | None]:
    """Start and finish: a task with only one of them lasts that one day."""
    start, finish = task.start or task.due, task.due or task.start
    if start and finish and finish < start:
        start = finish
    return start, finish


def plan_rows(state: WeekState, ws: Workspace, lang: str) -> list[Row]:
    """Departments in the workspace's order (then any other), each followed by its tasks."""
    order = [d.code for d in state.departments]
    order += sorted({t.department for t in state.tasks} - set(order))
    by_department: dict[str, list[Task]] = {}
    for t in state.tasks:
        by_department.setdefault(t.department, []).append(t)
    rows: list[Row] = []
    uid = 0
    for n, code in enumerate(order, start=1):
        own = by_department.get(code, [])
        dates = [task_dates(t) for t in own]
        starts = [s for s, _ in dates if s]
        finishes = [f for _, f in dates if f]
        dept = ws.department(code) if any(d.code == code for d in ws.departments) else None
        uid += 1
        rows.append(
            Row(
                uid,
                str(n),
                dept.name(lang) if dept else code,
                code,
                None,
                min(starts, default=None),
                max(finishes, default=None),
            )
        )
        for i, (t, (start, finish)) in enumerate(zip(own, dates, strict=True), start=1):
            uid += 1
            rows.append(Row(uid, f"{n}.{i}", clean(t.name) or t.task_id, clean(t.task_id), t, start, finish))
    return rows + _milestone_rows(state, lang, len(order) + 1, uid)


def _milestone_rows(state: WeekState, lang: str, n: int, uid: int) -> list[Row]:
    """The kick-off timeline's milestones with a date, under one summary after the departments."""
    dated = [m for m in state.milestones if m.planned]
    days = [m.planned for m in dated if m.planned]
    if not days:
        return []
    rows = [Row(uid + 1, str(n), msg("export-milestones", lang), "MS", None, min(days), max(days))]
    for i, m in enumerate(dated, start=1):
        rows.append(Row(uid + 1 + i, f"{n}.{i}", clean(m.name), f"MS-{i}", None, m.planned, m.planned, True))
    return rows


def _duration(cal: WorkCalendar, start: dt.date | None, finish: dt.date | None, milestone: bool = False) -> str:
    days = cal.span(start, finish) if start and finish and not milestone else 0
    return f"PT{days * HOURS_PER_DAY}H0M0S"


def _task(parent: Element, row: Row, cal: WorkCalendar, preds: list[int], critical: set[str]) -> None:
    """One Task element, its children in schema order."""
    t = row.task
    leaf = t is not None or row.milestone
    el = add(parent, "Task")
    add(el, "UID", row.uid)
    add(el, "ID", row.uid)
    add(el, "Name", row.name)
    add(el, "Manual", leaf)
    add(el, "Type", 1)  # fixed duration
    add(el, "WBS", row.wbs)
    add(el, "OutlineNumber", row.outline)
    add(el, "OutlineLevel", row.outline.count(".") + 1)
    if row.start and row.finish:
        add(el, "Start", moment(row.start, DAY_END if row.milestone else DAY_START))
        add(el, "Finish", moment(row.finish, DAY_END))
        add(el, "Duration", _duration(cal, row.start, row.finish, row.milestone))
        add(el, "DurationFormat", 7)  # days
    add(el, "Milestone", row.milestone)
    add(el, "Summary", not leaf)
    add(el, "Critical", t is not None and t.task_id in critical)
    add(el, "PercentComplete", _percent(t) if t else 0)
    if t is not None and t.actual_finish and t.done:
        add(el, "ActualFinish", moment(t.actual_finish, DAY_END))
    if row.start and leaf:
        add(el, "ConstraintType", 0)  # as soon as possible
        add(el, "CalendarUID", -1)
    if t is not None and t.reason:
        add(el, "Notes", clean(t.reason))
    for uid in preds:
        link = add(el, "PredecessorLink")
        add(link, "PredecessorUID", uid)
        add(link, "Type", 1)  # finish-to-start
        add(link, "LinkLag", 0)
        add(link, "LagFormat", 7)
    if t is not None and t.baseline_start and t.baseline_due:
        base = add(el, "Baseline")
        add(base, "Number", 0)
        add(base, "Start", moment(t.baseline_start, DAY_START))
        add(base, "Finish", moment(t.baseline_due, DAY_END))
        add(base, "Duration", _duration(cal, t.baseline_start, t.baseline_due))
        add(base, "DurationFormat", 7)
    if leaf and row.start and row.finish:
        add(el, "ManualStart", moment(row.start, DAY_END if row.milestone else DAY_START))
        add(el, "ManualFinish", moment(row.finish, DAY_END))
        add(el, "ManualDuration", _duration(cal, row.start, row.finish, row.milestone))


def _percent(t: Task) -> int:
    if t.done:
        return 100
    if t.percent is None or t.percent != t.percent:  # not given, or NaN
        return 0
    return max(0, min(100, round(t.percent)))


def _resources(root: Element, rows: list[Row]) -> dict[str, int]:
    """One work resource per owner name (UID from 1: MS Project keeps 0 for 'unassigned')."""
    owners: dict[str, tuple[int, str]] = {}
    for row in rows:
        if row.task is not None and clean(row.task.owner).strip():
            name = clean(row.task.owner).strip()
            owners.setdefault(name, (len(owners) + 1, row.task.owner_department or row.task.department))
    block = add(root, "Resources")
    for name, (uid, group) in owners.items():
        res = add(block, "Resource")
        add(res, "UID", uid)
        add(res, "ID", uid)
        add(res, "Name", name)
        add(res, "Type", 1)  # work
        add(res, "Group", clean(group))
        add(res, "MaxUnits", "1.00")
    return {name: uid for name, (uid, _) in owners.items()}


def _assignments(root: Element, rows: list[Row], resources: dict[str, int]) -> None:
    block = add(root, "Assignments")
    uid = 0
    for row in rows:
        if row.task is None or not (name := clean(row.task.owner).strip()):
            continue
        uid += 1
        a = add(block, "Assignment")
        add(a, "UID", uid)
        add(a, "TaskUID", row.uid)
        add(a, "ResourceUID", resources[name])
        add(a, "PercentWorkComplete", _percent(row.task))
        if row.finish:
            add(a, "Finish", moment(row.finish, DAY_END))
        if row.start:
            add(a, "Start", moment(row.start, DAY_START))
        add(a, "Units", 1)


def _header(root: Element, state: WeekState, ws: Workspace, lang: str, first: dt.date, last: dt.date) -> None:
    add(root, "SaveVersion", SAVE_VERSION)
    add(root, "Name", f"{clean(ws.project.code)}.xml")
    add(root, "Title", clean(ws.project.name(lang)))
    add(root, "ScheduleFromStart", True)
    add(root, "StartDate", moment(first, DAY_START))
    add(root, "FinishDate", moment(last, DAY_END))
    add(root, "CalendarUID", CALENDAR_UID)
    add(root, "DefaultStartTime", DAY_START.isoformat(timespec="seconds"))
    add(root, "DefaultFinishTime", DAY_END.isoformat(timespec="seconds"))
    add(root, "MinutesPerDay", HOURS_PER_DAY * 60)
    add(root, "MinutesPerWeek", HOURS_PER_DAY * 60 * 5)
    add(root, "DaysPerMonth", 20)
    add(root, "DurationFormat", 7)
    add(root, "WeekStartDay", (ws.project.week_start + 1) % 7)  # MSPDI: 0 = Sunday
    add(root, "StatusDate", moment(state.as_of, DAY_END))
    add(root, "CurrentDate", moment(state.as_of, DAY_START))
    add(root, "NewTasksAreManual", True)


def _span(state: WeekState, ws: Workspace, rows: list[Row]) -> tuple[dt.date, dt.date]:
    days = [d for r in rows for d in (r.start, r.finish) if d]
    days += [d for t in state.tasks for d in (t.baseline_start, t.baseline_due) if d]
    return min(days + [ws.project.start]), max(days + [ws.project.end])


def mspdi_tree(state: WeekState, ws: Workspace, cal: WorkCalendar, lang: str) -> ElementTree:
    """The whole MSPDI document for the week's plan."""
    rows = plan_rows(state, ws, lang)
    first, last = _span(state, ws, rows)
    root = Element("Project", xmlns=NAMESPACE)
    _header(root, state, ws, lang, first, last)
    calendars(
        root,
        cal,
        first,
        last,
        f"{clean(ws.project.code)} {msg('export-calendar-name', lang)}",
        (msg("export-day-off", lang), msg("export-make-up-day", lang)),
    )
    resolve = resolver(state.tasks)
    uid_of = {id(r.task): r.uid for r in rows if r.task is not None}
    critical = set(state.critical_path)
    block = add(root, "Tasks")
    for row in rows:
        preds: list[int] = []
        for ref in row.task.predecessors if row.task is not None else ():
            pred = resolve(str(ref), row.task)
            if pred is not None and pred is not row.task and uid_of[id(pred)] not in preds:
                preds.append(uid_of[id(pred)])
        _task(block, row, cal, preds, critical)
    resources = _resources(root, rows)  # Resources before Assignments, as the schema orders them
    _assignments(root, rows, resources)
    return ElementTree(root)


def write_mspdi(state: WeekState, ws: Workspace, cal: WorkCalendar, lang: str, path: Path) -> Path:
    """Write the file atomically (UTF-8 with its XML declaration). Written to a file, not through
    tostring(): its per-element encoder flushes made 50,000 tasks take twice as long."""
    tree = mspdi_tree(state, ws, cal, lang)
    indent(tree, space=" ")
    with atomic_path(path) as tmp:
        tree.write(tmp, encoding="utf-8", xml_declaration=True)
    return Path(path)
