"""The weekly progress brief (进度简报, FORMS.md form 9): what a department head reads in two
minutes on a phone.

The brief compares the newest task snapshot of the week with the newest one of the week
before (both recorded by every merge in the state database). `build_brief` is pure: it
takes the snapshots, the submissions and the open risks and returns a `Brief`; `collect`
reads those inputs from a workspace; `render` turns a Brief into HTML and text with jinja2
(HTML always autoescaped: task names and reasons are typed by departments). "Today" is
always the `as_of` parameter.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .config import Workspace
from .errors import UsageError, XlflowError
from .i18n import msg
from .spec import load_catalog
from .workdays import WorkCalendar

Snapshot = tuple[dt.date, list[dict]]  # (as_of, task dicts), as StateDB returns them

STATUSES = ("not_started", "in_progress", "done", "delayed", "blocked")
TROUBLE = ("delayed", "blocked")
STALE_DAYS = 14  # "not updated for two weeks"
SECTION_LIMIT = 15  # items per section in the e-mail; the rest are counted and live in the master


# --- weeks and working days -------------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    start: dt.date
    end: dt.date
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"


def week_of(day: dt.date, week_start: int = 0) -> Week:
    """The week (of the workspace's first weekday) holding `day`, numbered as ISO weeks are."""
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    year, number, _ = (start + dt.timedelta(days=3)).isocalendar()
    return Week(start, start + dt.timedelta(days=6), year, number)


def parse_week(text: str, week_start: int = 0) -> Week:
    """'2026-W47' (or '2026W47', '2026-w47') -> that week."""
    cleaned = text.strip().upper().replace(" ", "")
    try:
        year, _, number = cleaned.replace("-W", "W").partition("W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise UsageError("summary-bad-week", value=text) from None
    return week_of(monday - dt.timedelta(days=(0 - week_start) % 7), week_start)


def calendar_for(ws: Workspace) -> WorkCalendar:
    """The workspace's working days (China's holidays and 调休 for a Chinese workspace)."""
    return WorkCalendar.from_settings(ws.calendar)


# --- the brief as data ------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One task line: enough to act on it (who, what, how late, why)."""

    task_id: str
    name: str
    department: str
    department_name: str
    owner: str
    status: str
    status_label: str
    colour: str
    due: dt.date | None
    days_late: int
    reason: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    hint: str
    items: tuple[Item, ...]
    more: int  # items left out of the e-mail (see the master)

    @property
    def count(self) -> int:
        return len(self.items) + self.more


@dataclass(frozen=True)
class StatusCount:
    code: str
    label: str
    colour: str
    count: int
    delta: int | None


@dataclass(frozen=True)
class Headline:
    total: int
    total_delta: int | None
    percent: float
    percent_delta: float | None
    overdue: int
    statuses: tuple[StatusCount, ...]


@dataclass(frozen=True)
class MissingDepartment:
    code: str
    name: str
    contact: str
    email: str
    last_received: str  # "" = never
    rejected_this_week: int


@dataclass(frozen=True)
class Decision:
    kind: str  # "blocked" | "risk"
    ref: str
    text: str
    department_name: str
    owner: str
    since: dt.date | None
    note: str


@dataclass(frozen=True)
class DepartmentRow:
    code: str
    name: str
    contact: str
    tasks: int
    done: int
    trouble: int  # delayed + blocked
    overdue: int
    percent: float
    last_received: str
    submitted: bool


@dataclass(frozen=True)
class Brief:
    lang: str
    project: str
    project_code: str
    week: Week
    as_of: dt.date
    snapshot_date: dt.date
    previous_date: dt.date | None
    headline: Headline
    sections: tuple[Section, ...]
    missing: tuple[MissingDepartment, ...]
    decisions: tuple[Decision, ...]
    departments: tuple[DepartmentRow, ...]
    subject: str
    notes: tuple[str, ...] = ()

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


# --- computing it -----------------------------------------------------------------------------

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


def reported(task: dict) -> str:
    """The status the department reported (the snapshot's `status` is the master's effective one:
    past due and not done counts as delayed)."""
    return str(task.get("reported_status") or task.get("status") or "")


def _key(task: dict) -> tuple[str, str]:
    return (str(task.get("department") or ""), str(task.get("task_id") or ""))


def _percent(task: dict) -> float:
    try:
        return float(task.get("percent") or 0)
    except (TypeError, ValueError):
        return 0.0


def _ids(value: object) -> list[str]:
    """successors_other_depts / predecessors: a list of IDs or of {task_id, department} dicts, or a string."""
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return [str(v.get("task_id", "")) if isinstance(v, dict) else str(v) for v in value]


class _Builder:
    def __init__(self, ws: Workspace, as_of: dt.date, lang: str, calendar) -> None:
        self.ws, self.as_of, self.lang, self.calendar = ws, as_of, lang, calendar
        self.status_enum = load_catalog().enums["status"]

    def t(self, key: str, **params: object) -> str:
        return msg(key, self.lang, **params)

    def dept_name(self, code: str) -> str:
        dept = self.ws.department(code) if code else None
        return dept.name(self.lang) if dept else (code or "—")

    def overdue(self, task: dict) -> bool:
        due = _date(task.get("due"))
        return task.get("status") != "done" and due is not None and due < self.as_of

    def days_late(self, task: dict) -> int:
        due = _date(task.get("due"))
        return self.calendar.between(due, self.as_of) if self.overdue(task) else 0

    def item(self, task: dict, note: str = "") -> Item:
        status = str(task.get("status") or "")
        dept = str(task.get("owner_department") or task.get("department") or "")
        return Item(
            task_id=str(task.get("task_id") or ""), name=str(task.get("name") or ""), department=dept,
            department_name=self.dept_name(dept), owner=str(task.get("owner") or ""), status=status,
            status_label=self.status_enum.label_of(status, self.lang),
            colour=self.status_enum.colour_of(status) or "#FFFFFF", due=_date(task.get("due")),
            days_late=self.days_late(task), reason=str(task.get("reason") or ""), note=note)

    def section(self, key: str, entries: Iterable[tuple[dict, str]], sort: Callable | None = None) -> Section:
        items = [self.item(task, note) for task, note in entries]
        items.sort(key=sort or (lambda i: (-i.days_late, i.due or dt.date.max, i.department, i.task_id)))
        hint = self.t(f"brief-hint-{key}", days=self.ws.summary.due_soon_days)
        return Section(key, self.t(f"brief-section-{key}"), hint,
                       tuple(items[:SECTION_LIMIT]), max(0, len(items) - SECTION_LIMIT))


def build_brief(ws: Workspace, as_of: dt.date, current: Snapshot, previous: Snapshot | None = None,
                older: Snapshot | None = None, accepted: dict[str, dict] | None = None,
                submissions: Iterable[dict] = (), risks: Iterable[dict] = (), lang: str | None = None,
                calendar=None) -> Brief:
    """The week-over-week brief. `current` is the newest snapshot of the week, `previous` the
    newest of the week before, `older` the newest at least two weeks old (for "not updated");
    `accepted` is StateDB.accepted(), `submissions` StateDB.submissions(since=week start);
    `risks` are issue-log rows (issue_id, kind, description, raised_by, raised_date, impact,
    owner, response, status, department)."""
    lang = lang or ws.lang
    b = _Builder(ws, as_of, lang, calendar or calendar_for(ws))
    week = week_of(as_of, ws.project.week_start)
    tasks = current[1]
    before = {_key(t): t for t in previous[1]} if previous else {}
    old = {_key(t): t for t in older[1]} if older else {}
    by_id = {str(t.get("task_id")): t for t in tasks}

    def was_in_trouble(task: dict) -> bool:
        prior = before.get(_key(task))
        return prior is not None and reported(prior) in TROUBLE

    finished, newly, still, overdue, due_soon, slips, stale, held = ([] for _ in range(8))
    horizon = b.calendar.add(as_of, ws.summary.due_soon_days)
    for task in tasks:
        status, due = task.get("status"), _date(task.get("due"))
        prior = before.get(_key(task))
        if status == "done":
            finish = _date(task.get("actual_finish"))
            if prior is not None:
                if prior.get("status") != "done":
                    finished.append((task, ""))
            elif (finish and week.start <= finish <= as_of) or (finish is None and previous is not None):
                finished.append((task, ""))
            continue
        if reported(task) in TROUBLE:
            (still if was_in_trouble(task) else newly).append((task, ""))
        elif b.overdue(task):
            overdue.append((task, ""))
        if due and as_of < due <= horizon:
            due_soon.append((task, b.t("brief-note-due-in", days=b.calendar.between(as_of, due))))
        old_due = _date(prior.get("due")) if prior else None
        if due and old_due and due > old_due:
            slips.append((task, b.t("brief-note-slip", old=old_due.isoformat(), new=due.isoformat(),
                                    days=(due - old_due).days)))
        then = old.get(_key(task))
        start = _date(task.get("start"))
        if then is not None and (start is None or start <= as_of) and all(
                then.get(k) == task.get(k) for k in ("status", "percent", "due", "reason")):
            stale.append((task, b.t("brief-note-stale", since=older[0].isoformat())))
        waiting = [i for i in _ids(task.get("successors_other_depts")) if i]
        if waiting and (status in TROUBLE or b.overdue(task)):
            names = ", ".join(f"{i} ({b.dept_name(str((by_id.get(i) or {}).get('department') or ''))})"
                              if i in by_id else i for i in waiting)
            held.append((task, b.t("brief-note-holds", tasks=names)))

    sections = (
        b.section("finished", finished, sort=lambda i: (i.department, i.task_id)),
        b.section("newly", newly),
        b.section("still", still),
        b.section("overdue", overdue),
        b.section("due_soon", due_soon, sort=lambda i: (i.due or dt.date.max, i.department, i.task_id)),
        b.section("slips", slips),
        b.section("stale", stale),
        b.section("held_up", held),
    )
    accepted = accepted or {}
    submissions = list(submissions)
    return Brief(
        lang=lang, project=ws.project.name(lang), project_code=ws.project.code, week=week, as_of=as_of,
        snapshot_date=current[0], previous_date=previous[0] if previous else None,
        headline=_headline(b, tasks, previous[1] if previous else None),
        sections=sections,
        missing=_missing(b, week, accepted, submissions),
        decisions=_decisions(b, tasks, risks),
        departments=_departments(b, week, tasks, accepted),
        subject=subject(ws, week, lang),
        notes=_notes(b, current, previous),
    )


def subject(ws: Workspace, week: Week, lang: str) -> str:
    return msg("brief-subject", lang, project=ws.project.name(lang), week=week.number,
               start=week.start.isoformat(), end=week.end.isoformat())


def _notes(b: _Builder, current: Snapshot, previous: Snapshot | None) -> tuple[str, ...]:
    notes = []
    week = week_of(b.as_of, b.ws.project.week_start)
    if current[0] < week.start:
        notes.append(b.t("brief-note-old-snapshot", date=current[0].isoformat()))
    if previous is None:
        notes.append(b.t("brief-note-first"))
    elif previous[0] < week.start - dt.timedelta(days=7):
        notes.append(b.t("brief-note-old-previous", date=previous[0].isoformat()))
    return tuple(notes)


def _headline(b: _Builder, tasks: list[dict], before: list[dict] | None) -> Headline:
    def counts(ts: list[dict]) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for t in ts:
            out[t.get("status")] = out.get(t.get("status"), 0) + 1
        return out

    def percent(ts: list[dict]) -> float:
        return round(sum(_percent(t) for t in ts) / len(ts), 1) if ts else 0.0

    now, then = counts(tasks), counts(before) if before is not None else None
    statuses = tuple(
        StatusCount(code, b.status_enum.label_of(code, b.lang), b.status_enum.colour_of(code) or "#FFFFFF",
                    now.get(code, 0), (now.get(code, 0) - then.get(code, 0)) if then is not None else None)
        for code in STATUSES)
    return Headline(
        total=len(tasks), total_delta=(len(tasks) - len(before)) if before is not None else None,
        percent=percent(tasks),
        percent_delta=round(percent(tasks) - percent(before), 1) if before is not None else None,
        overdue=sum(1 for t in tasks if b.overdue(t)), statuses=statuses)


def _received(row: dict | None) -> dt.datetime | None:
    if not row or not row.get("received"):
        return None
    try:
        return dt.datetime.fromisoformat(str(row["received"]))
    except ValueError:
        return None


def submitted_this_week(accepted_row: dict | None, week: Week, as_of: dt.date) -> bool:
    received = _received(accepted_row)
    return received is not None and week.start <= received.date() <= as_of


def _missing(b: _Builder, week: Week, accepted: dict[str, dict], submissions: list[dict]) -> tuple:
    out = []
    for d in b.ws.departments:
        row = accepted.get(d.code)
        if submitted_this_week(row, week, b.as_of):
            continue
        received = _received(row)
        rejected = sum(1 for s in submissions if s.get("department") == d.code and s.get("result") != "accepted"
                       and (_received(s) or dt.datetime.min).date() >= week.start)
        out.append(MissingDepartment(d.code, d.name(b.lang), d.contact, d.email,
                                     received.date().isoformat() if received else "", rejected))
    return tuple(out)


def _decisions(b: _Builder, tasks: list[dict], risks: Iterable[dict]) -> tuple[Decision, ...]:
    """Blocked tasks, and high-impact issues and risks still open after 24 h (dates carry no time,
    so "after 24 h" means raised on an earlier day)."""
    out = [Decision("blocked", str(t.get("task_id") or ""), str(t.get("name") or ""),
                    b.dept_name(str(t.get("owner_department") or t.get("department") or "")),
                    str(t.get("owner") or ""), None, str(t.get("reason") or ""))
           for t in sorted(tasks, key=lambda t: (str(t.get("department")), str(t.get("task_id"))))
           if t.get("status") == "blocked"]
    for r in risks:
        raised = _date(r.get("raised_date"))
        if r.get("impact") == "high" and r.get("status") != "closed" and raised is not None and raised < b.as_of:
            out.append(Decision("risk", str(r.get("issue_id") or ""), str(r.get("description") or ""),
                                b.dept_name(str(r.get("raised_by") or r.get("department") or "")),
                                str(r.get("owner") or ""), raised,
                                b.t("brief-note-risk", days=(b.as_of - raised).days,
                                    response=r.get("response") or b.t("brief-no-response"))))
    return tuple(out)


def _departments(b: _Builder, week: Week, tasks: list[dict], accepted: dict[str, dict]) -> tuple:
    rows = []
    for d in b.ws.departments:
        mine = [t for t in tasks if t.get("department") == d.code]
        received = _received(accepted.get(d.code))
        rows.append(DepartmentRow(
            code=d.code, name=d.name(b.lang), contact=d.contact, tasks=len(mine),
            done=sum(t.get("status") == "done" for t in mine),
            trouble=sum(t.get("status") in TROUBLE for t in mine),
            overdue=sum(b.overdue(t) for t in mine),
            percent=round(sum(_percent(t) for t in mine) / len(mine), 1) if mine else 0.0,
            last_received=received.date().isoformat() if received else "",
            submitted=submitted_this_week(accepted.get(d.code), week, b.as_of)))
    return tuple(rows)
