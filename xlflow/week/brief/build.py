"""Computing a brief: a rendering of the week (xlflow.week.state.WeekState, loaded by
xlflow/week/build.py: load_week) — week-over-week sections, decisions, departments, notices, the
scorecard and the plan against its baseline.

Pure: no file or database access, and "today" is the week's `as_of`, so a past week's brief is the
same whenever it is built. A task's `status` is the master's effective one (past due and not done
counts as delayed); `reported_status` is what the department wrote.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, overload

from ...config import Workspace
from ...features.control.brief_decisions import change_decisions
from ...features.control.brief_moves import brief_control
from ...features.coordinator.brief import edit_lines
from ...features.scorecard.brief import scorecard_part
from ...i18n import msg
from ...plan.model import percent_value
from ...spec.catalog import Enum, load_catalog
from ...workdays import Week, WorkCalendar, week_of
from ..state import DepartmentWeek, WeekState
from .model import (
    SECTION_LIMIT,
    TROUBLE,
    Brief,
    Decision,
    DepartmentRow,
    Headline,
    Item,
    MissingDepartment,
    Scope,
    Section,
    StatusCount,
)
from .notices import build_notices
from .versions import plan_changes


class TaskLike(Protocol):
    """A task as the brief reads it, by field name: week.state.Task, store.snapshots.SnapshotTask, a dict (tests)."""

    @overload
    def get(self, key: str, /) -> object: ...
    @overload
    def get(self, key: str, default: object, /) -> object: ...


Compared = tuple[dt.date, Sequence[TaskLike]]  # an earlier plan: its day, its tasks
Entries = list[tuple[TaskLike, str]]  # (task, note) pairs of one section, unsorted

DATA_AGE_DAYS = 2  # working days between the last merge and the brief's day that the brief says first
SECTIONS = ("finished", "newly", "still", "overdue", "due_soon", "slips", "stale", "held_up")
BY_DUE = ("finished", "due_soon")  # sorted by due date, not by lateness


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def reported(task: TaskLike) -> str:
    """The status the department reported (not the master's effective one)."""
    return str(task.get("reported_status") or task.get("status") or "")


def _key(task: TaskLike) -> tuple[str, str]:
    return (str(task.get("department") or ""), str(task.get("task_id") or ""))


def _percent(task: TaskLike) -> float:
    return percent_value(task.get("status") == "done", task.get("percent"))  # as the dashboard counts it


def _ids(value: object) -> list[str]:
    """successors_other_depts / predecessors: a list of IDs or of {task_id, department} dicts, or a string."""
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return [str(v.get("task_id", "")) if isinstance(v, dict) else str(v)
            for v in (value if isinstance(value, (list, tuple)) else ())]


class _Builder:
    """What every part of the brief needs: the workspace, the day, the language, the calendar."""

    def __init__(self, ws: Workspace, as_of: dt.date, lang: str, calendar: WorkCalendar, statuses: Enum,
                 reader: str | None = None) -> None:
        self.ws, self.as_of, self.lang, self.calendar = ws, as_of, lang, calendar
        self.status_enum = statuses
        self.reader = reader  # a department whose brief it is (None: the coordinators')
        self.week = week_of(as_of, ws.project.week_start)

    def t(self, key: str, **params: object) -> str:
        return msg(key, self.lang, **params)

    def dept_name(self, code: str) -> str:
        dept = self.ws.department(code) if code else None
        return dept.name(self.lang) if dept else (code or "—")

    def overdue(self, task: TaskLike) -> bool:
        due = _date(task.get("due"))
        return task.get("status") != "done" and due is not None and due < self.as_of

    def days_late(self, task: TaskLike) -> int:
        due = _date(task.get("due"))
        return self.calendar.between(due, self.as_of) if due is not None and self.overdue(task) else 0

    def item(self, task: TaskLike, note: str = "", as_reported: bool = False) -> Item:
        """`as_reported`: tagged with the status the department wrote (the overdue section is about
        tasks still reported as not started or in progress, so a [Delayed] tag would contradict it)."""
        status = reported(task) if as_reported else str(task.get("status") or "")
        dept = str(task.get("owner_department") or task.get("department") or "")
        return Item(
            task_id=str(task.get("task_id") or ""), name=str(task.get("name") or ""), department=dept,
            department_name=self.dept_name(dept), owner=str(task.get("owner") or ""), status=status,
            status_label=self.status_enum.label_of(status, self.lang),
            colour=self.status_enum.colour_of(status) or "#FFFFFF", due=_date(task.get("due")),
            days_late=self.days_late(task), reason=str(task.get("reason") or ""), note=note,
            cut=self.reader is not None and task.get("department") != self.reader)

    def order(self, task: TaskLike) -> tuple[int, dt.date, str, str]:
        """The latest first, then by due date, department and ID."""
        return (-self.days_late(task), _date(task.get("due")) or dt.date.max,
                str(task.get("owner_department") or task.get("department") or ""), str(task.get("task_id") or ""))

    def section(self, key: str, entries: Entries) -> Section:
        """Sorted, and cut to SECTION_LIMIT before the items are built (a big project has thousands)."""
        by_due = key in BY_DUE
        entries = sorted(entries, key=lambda e: self.order(e[0])[1:] if by_due else self.order(e[0]))
        hint = self.t(f"brief-hint-{key}", days=self.ws.summary.due_soon_days)
        return Section(key, self.t(f"brief-section-{key}"), hint,
                       tuple(self.item(task, note, key == "overdue") for task, note in entries[:SECTION_LIMIT]),
                       max(0, len(entries) - SECTION_LIMIT))


def build_brief(week: WeekState, ws: Workspace, lang: str | None = None, calendar: WorkCalendar | None = None,
                statuses: Enum | None = None, reader: str | None = None) -> Brief:
    """The week-over-week brief of `week` (xlflow.week.state.WeekState). Its tasks are compared with `previous_tasks` (the end of the week
    before; a quiet week with itself, so nothing is "finished" or "newly delayed") and `older_tasks`
    (for "not updated"); its risks' high-impact open ones and its change register's pending requests are
    decisions needed. `statuses` is the catalog's status enum: its codes, in order, are the headline's
    counts. `reader`: the department whose brief it is (its week narrowed by share/briefscope.py): the
    headline counts its own tasks, and the other departments' tasks linked to them show no owner or
    reason and ask it for no decision."""
    lang = lang or ws.lang
    cal = calendar or WorkCalendar.from_settings(ws.calendar)
    b = _Builder(ws, week.as_of, lang, cal, statuses or load_catalog().enums["status"], reader)
    tasks = list(week.tasks)
    previous: Compared | None = None  # an earlier plan comes with its day
    if week.previous_tasks is not None and week.previous_date is not None:
        previous = (week.previous_date, week.previous_tasks)
    older = (week.older_date, week.older_tasks) if week.older_tasks is not None and week.older_date else None
    entries = _entries(b, tasks, previous, older)
    risks = [{**r.values, "department": r.department} for r in week.risks]
    decisions = _decisions(b, tasks, risks) + change_decisions(b.ws, week.changes, lang)
    return Brief(
        lang=lang, project=ws.project.name(lang), project_code=ws.project.code, week=b.week, as_of=week.as_of,
        snapshot_date=week.data_date, previous_date=previous[0] if previous else None,
        headline=_headline(b, _counted(tasks, reader), _counted(previous[1], reader) if previous else None),
        sections=tuple(b.section(key, entries[key]) for key in SECTIONS),
        missing=_missing(b, week.departments),
        decisions=decisions[:SECTION_LIMIT],
        decisions_more=max(0, len(decisions) - SECTION_LIMIT),
        departments=_departments(b, week.departments),
        subject=subject(ws, b.week, lang),
        notes=_notes(b, week.data_date, previous) + ((b.t("brief-note-quiet"),) if week.quiet else ()),
        plan_changes=plan_changes(ws, week.versions, lang),
        notices=build_notices(ws, week, lang, cal), quiet=week.quiet,
        master_edits=tuple(edit_lines(list(week.master_edits), lang)),
        master_notices=tuple(n.phrase().render(lang) for n in week.master_notices),
        scorecard=scorecard_part(ws, week.scorecard, lang) if week.scorecard is not None else None,
        control=brief_control(ws, week.control, week.projected_end, lang, cal) if week.control is not None else None,
        department=reader or "",
    )


def _counted(tasks: Sequence[TaskLike], department: str | None) -> list[TaskLike]:
    return [t for t in tasks if department is None or t.get("department") == department]


def subject(ws: Workspace, week: Week, lang: str) -> str:
    return msg("brief-subject", lang, project=ws.project.name(lang), week=week.number,
               start=week.start.isoformat(), end=week.end.isoformat())


# --- the sections -----------------------------------------------------------------------------

def _entries(b: _Builder, tasks: Sequence[TaskLike], previous: Compared | None,
             older: Compared | None) -> dict[str, Entries]:
    """Each task into the sections it belongs to (one task may be in several)."""
    before = {_key(t): t for t in previous[1]} if previous else {}
    old = {_key(t): t for t in older[1]} if older else {}
    by_id = {str(t.get("task_id")): t for t in tasks}
    horizon = b.calendar.add(b.as_of, b.ws.summary.due_soon_days)
    out: dict[str, Entries] = {key: [] for key in SECTIONS}
    for task in tasks:
        prior = before.get(_key(task))
        if task.get("status") == "done":
            if _finished_this_week(b, task, prior, previous is not None):
                out["finished"].append((task, ""))
            continue
        if reported(task) in TROUBLE:
            out["still" if prior is not None and reported(prior) in TROUBLE else "newly"].append((task, ""))
        elif b.overdue(task):
            out["overdue"].append((task, ""))
        notes = (("due_soon", _due_soon(b, task, horizon)), ("slips", _slip(b, task, prior)),
                 ("stale", _stale(b, task, old.get(_key(task)), older)), ("held_up", _holds(b, task, by_id)))
        for key, note in notes:
            if note is not None:
                out[key].append((task, note))
    return out


def _finished_this_week(b: _Builder, task: TaskLike, prior: TaskLike | None, has_previous: bool) -> bool:
    """Done now and not last week; a task new this week counts if it finished this week (or,
    with no finish date, if there is a last week to compare with)."""
    if prior is not None:
        return prior.get("status") != "done"
    finish = _date(task.get("actual_finish"))
    return bool((finish and b.week.start <= finish <= b.as_of) or (finish is None and has_previous))


def _due_soon(b: _Builder, task: TaskLike, horizon: dt.date) -> str | None:
    """Due from the brief's own day (a task due that day is reported) up to the horizon."""
    due = _date(task.get("due"))
    if due and due == b.as_of:
        return b.t("brief-note-due-today")
    if due and b.as_of < due <= horizon:
        return b.t("brief-note-due-in", days=b.calendar.between(b.as_of, due))
    return None


def _slip(b: _Builder, task: TaskLike, prior: TaskLike | None) -> str | None:
    due, old_due = _date(task.get("due")), _date(prior.get("due")) if prior else None
    if due and old_due and due > old_due:
        return b.t("brief-note-slip", old=old_due.isoformat(), new=due.isoformat(),
                   days=b.calendar.between(old_due, due))
    return None


def _stale(b: _Builder, task: TaskLike, then: TaskLike | None, older: Compared | None) -> str | None:
    """Started, and nothing the department reports has changed since the older snapshot."""
    start = _date(task.get("start"))
    if then is not None and older is not None and (start is None or start <= b.as_of) and all(
            then.get(k) == task.get(k) for k in ("status", "percent", "due", "reason")):
        return b.t("brief-note-stale", since=older[0].isoformat())
    return None


def _holds(b: _Builder, task: TaskLike, by_id: dict[str, TaskLike]) -> str | None:
    """A late or stuck task that other departments' tasks wait for."""
    waiting = [i for i in _ids(task.get("successors_other_depts")) if i]
    if waiting and (task.get("status") in TROUBLE or b.overdue(task)):
        names = ", ".join(f"{i} ({b.dept_name(str(by_id[i].get('department') or ''))})"
                          if i in by_id else i for i in waiting)
        return b.t("brief-note-holds", tasks=names)
    return None


# --- the other parts --------------------------------------------------------------------------

def _notes(b: _Builder, current: dt.date, previous: Compared | None) -> tuple[str, ...]:
    notes = []
    age = b.calendar.between(current, b.as_of) if current < b.as_of else 0
    if age >= DATA_AGE_DAYS:  # first: every figure below is older than the brief's day
        notes.append(b.t("brief-note-data-age", date=current.isoformat(), days=age))
    if current < b.week.start:
        notes.append(b.t("brief-note-old-snapshot", date=current.isoformat()))
    if previous is None:
        notes.append(b.t("brief-note-first"))
    elif previous[0] < week_of(current, b.ws.project.week_start).start - dt.timedelta(days=7):
        notes.append(b.t("brief-note-old-previous", date=previous[0].isoformat()))
    return tuple(notes)


def _headline(b: _Builder, tasks: Sequence[TaskLike], before: Sequence[TaskLike] | None) -> Headline:
    codes = tuple(choice.code for choice in b.status_enum.values)

    def counts(ts: Sequence[TaskLike]) -> dict[object, int]:  # status -> tasks (None: no status)
        out: dict[object, int] = dict.fromkeys(codes, 0)
        for t in ts:
            out[t.get("status")] = out.get(t.get("status"), 0) + 1
        return out

    def percent(ts: Sequence[TaskLike]) -> float:
        return round(sum(_percent(t) for t in ts) / len(ts), 1) if ts else 0.0

    now, then = counts(tasks), counts(before) if before is not None else None
    statuses = tuple(
        StatusCount(code, b.status_enum.label_of(code, b.lang), b.status_enum.colour_of(code) or "#FFFFFF",
                    now.get(code, 0), (now.get(code, 0) - then.get(code, 0)) if then is not None else None)
        for code in codes)
    return Headline(
        total=len(tasks), total_delta=(len(tasks) - len(before)) if before is not None else None,
        percent=percent(tasks),
        percent_delta=round(percent(tasks) - percent(before), 1) if before is not None else None,
        overdue=sum(1 for t in tasks if b.overdue(t)), statuses=statuses,
        scope=_scope(tasks, before, percent) if before is not None else None)


def _scope(tasks: Sequence[TaskLike], before: Sequence[TaskLike], percent: Callable[[Sequence[TaskLike]], float]) -> Scope:
    """Tasks added and removed since `before`, and the average's change over the tasks in both."""
    now, then = {_key(t): t for t in tasks}, {_key(t): t for t in before}
    same = [k for k in now if k in then]
    delta = round(percent([now[k] for k in same]) - percent([then[k] for k in same]), 1) if same else None
    return Scope(len(now.keys() - then.keys()), len(then.keys() - now.keys()), delta)


def _last(d: DepartmentWeek) -> str:
    return d.last_received.date().isoformat() if d.last_received is not None else ""


def _missing(b: _Builder, departments: Iterable[DepartmentWeek]) -> tuple[MissingDepartment, ...]:
    out = []
    for row in departments:
        d = b.ws.department(row.code)
        if row.submitted or d is None:
            continue
        out.append(MissingDepartment(d.code, d.name(b.lang), d.contact, d.email, _last(row), row.rejected_this_week))
    return tuple(out)


def _decisions(b: _Builder, tasks: Sequence[TaskLike], risks: Iterable[TaskLike]) -> tuple[Decision, ...]:
    """Blocked tasks, and high-impact issues and risks still open after 24 h (dates carry no time,
    so "after 24 h" means raised on an earlier day)."""
    out = [Decision("blocked", str(t.get("task_id") or ""), str(t.get("name") or ""),
                    b.dept_name(str(t.get("owner_department") or t.get("department") or "")),
                    str(t.get("owner") or ""), None, str(t.get("reason") or ""))
           for t in sorted(tasks, key=lambda t: (str(t.get("department")), str(t.get("task_id"))))
           if reported(t) == "blocked" and b.reader in (None, t.get("department"))]
    for r in risks:
        raised = _date(r.get("raised_date"))
        if r.get("impact") == "high" and r.get("status") != "closed" and raised is not None and raised < b.as_of:
            out.append(Decision("risk", str(r.get("issue_id") or ""), str(r.get("description") or ""),
                                b.dept_name(str(r.get("raised_by") or r.get("department") or "")),
                                str(r.get("owner") or ""), raised,
                                b.t("brief-note-risk", days=(b.as_of - raised).days,
                                    response=r.get("response") or b.t("brief-no-response"))))
    return tuple(out)


def _departments(b: _Builder, departments: Iterable[DepartmentWeek]) -> tuple[DepartmentRow, ...]:
    rows = []
    for row in departments:
        d = b.ws.department(row.code)
        rows.append(DepartmentRow(
            code=row.code, name=d.name(b.lang) if d else row.code, contact=d.contact if d else "", tasks=row.tasks,
            done=row.done, trouble=row.trouble, overdue=row.overdue, percent=row.percent,
            last_received=_last(row), submitted=row.submitted))
    return tuple(rows)
