"""The weekly progress brief (进度简报, FORMS.md form 9): what a department head reads in two
minutes on a phone.

The brief compares the newest task snapshot of the week with the newest one of the week
before (both recorded by every merge in the state database). `build_brief` is pure: it
takes the snapshots, the submissions and the open risks and returns a `Brief`; `make_brief`
reads those inputs from a workspace; `render_brief` turns a Brief into HTML and text with
jinja2 (HTML always autoescaped: task names and reasons are typed by departments);
`send_weekly_brief` writes reports/ and the e-mail; `run_schedule` is what the watcher calls.
"Today" is always the `as_of` (or `now`) parameter.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..config import Workspace
from ..errors import UsageError, XlflowError
from ..i18n import msg
from ..spec.catalog import load_catalog
from ..store.accepted import read_accepted
from ..store.atomic import write_bytes
from ..store.snapshots import Snapshot
from ..store.state import StateDB
from ..workdays import WorkCalendar
from ..workdays import week_start as first_day_of_week
from .mail import DeliveryResult, attachment_name, compose, deliver, deliver_all, render

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
    start = first_day_of_week(day, week_start)
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
    decisions_more: int = 0  # decisions left out of the e-mail (see the master)

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

    def order(self, task: dict) -> tuple:
        """The latest first, then by due date, department and ID."""
        return (-self.days_late(task), _date(task.get("due")) or dt.date.max,
                str(task.get("owner_department") or task.get("department") or ""), str(task.get("task_id") or ""))

    def section(self, key: str, entries: list[tuple[dict, str]], by_due: bool = False) -> Section:
        """Sorted, and cut to SECTION_LIMIT before the items are built (a big project has thousands)."""
        entries = sorted(entries, key=lambda e: self.order(e[0])[1:] if by_due else self.order(e[0]))
        hint = self.t(f"brief-hint-{key}", days=self.ws.summary.due_soon_days)
        return Section(key, self.t(f"brief-section-{key}"), hint,
                       tuple(self.item(task, note) for task, note in entries[:SECTION_LIMIT]),
                       max(0, len(entries) - SECTION_LIMIT))


def build_brief(ws: Workspace, as_of: dt.date, current: Snapshot, previous: Snapshot | None = None,
                older: Snapshot | None = None, submissions: Iterable[dict] = (), risks: Iterable[dict] = (),
                lang: str | None = None, calendar: WorkCalendar | None = None) -> Brief:
    """The week-over-week brief. `current` is the newest snapshot of the week, `previous` the
    newest of the week before, `older` the newest at least two weeks older (for "not updated");
    `submissions` are StateDB.submissions() rows (department, received, result); `risks` are
    issue-log rows (issue_id, kind, description, raised_by, raised_date, impact, owner,
    response, status, department)."""
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
        b.section("finished", finished, by_due=True),
        b.section("newly", newly),
        b.section("still", still),
        b.section("overdue", overdue),
        b.section("due_soon", due_soon, by_due=True),
        b.section("slips", slips),
        b.section("stale", stale),
        b.section("held_up", held),
    )
    submissions = list(submissions)
    decisions = _decisions(b, tasks, risks)
    return Brief(
        lang=lang, project=ws.project.name(lang), project_code=ws.project.code, week=week, as_of=as_of,
        snapshot_date=current[0], previous_date=previous[0] if previous else None,
        headline=_headline(b, tasks, previous[1] if previous else None),
        sections=sections,
        missing=_missing(b, week, submissions),
        decisions=decisions[:SECTION_LIMIT],
        decisions_more=max(0, len(decisions) - SECTION_LIMIT),
        departments=_departments(b, week, tasks, submissions),
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
    elif previous[0] < week_of(current[0], b.ws.project.week_start).start - dt.timedelta(days=7):
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


def _received(row: dict) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(str(row.get("received") or ""))
    except ValueError:
        return None
    return value.astimezone().replace(tzinfo=None) if value.tzinfo else value  # local wall time


def _accepted_dates(subs: list[dict], code: str, as_of: dt.date) -> list[dt.date]:
    dates = (_received(s) for s in subs if s.get("department") == code and s.get("result") == "accepted")
    return sorted(d.date() for d in dates if d is not None and d.date() <= as_of)


def _submitted(subs: list[dict], code: str, week: Week, as_of: dt.date) -> bool:
    return any(week.start <= d for d in _accepted_dates(subs, code, as_of))


def _missing(b: _Builder, week: Week, subs: list[dict]) -> tuple[MissingDepartment, ...]:
    out = []
    for d in b.ws.departments:
        if _submitted(subs, d.code, week, b.as_of):
            continue
        last = _accepted_dates(subs, d.code, b.as_of)
        rejected = sum(1 for s in subs if s.get("department") == d.code and s.get("result") in ("rejected", "unreadable")
                       and week.start <= (_received(s) or dt.datetime.min).date() <= b.as_of)
        out.append(MissingDepartment(d.code, d.name(b.lang), d.contact, d.email,
                                     last[-1].isoformat() if last else "", rejected))
    return tuple(out)


def _decisions(b: _Builder, tasks: list[dict], risks: Iterable[dict]) -> tuple[Decision, ...]:
    """Blocked tasks, and high-impact issues and risks still open after 24 h (dates carry no time,
    so "after 24 h" means raised on an earlier day)."""
    out = [Decision("blocked", str(t.get("task_id") or ""), str(t.get("name") or ""),
                    b.dept_name(str(t.get("owner_department") or t.get("department") or "")),
                    str(t.get("owner") or ""), None, str(t.get("reason") or ""))
           for t in sorted(tasks, key=lambda t: (str(t.get("department")), str(t.get("task_id"))))
           if reported(t) == "blocked"]
    for r in risks:
        raised = _date(r.get("raised_date"))
        if r.get("impact") == "high" and r.get("status") != "closed" and raised is not None and raised < b.as_of:
            out.append(Decision("risk", str(r.get("issue_id") or ""), str(r.get("description") or ""),
                                b.dept_name(str(r.get("raised_by") or r.get("department") or "")),
                                str(r.get("owner") or ""), raised,
                                b.t("brief-note-risk", days=(b.as_of - raised).days,
                                    response=r.get("response") or b.t("brief-no-response"))))
    return tuple(out)


def _departments(b: _Builder, week: Week, tasks: list[dict], subs: list[dict]) -> tuple[DepartmentRow, ...]:
    rows = []
    for d in b.ws.departments:
        mine = [t for t in tasks if t.get("department") == d.code]
        last = _accepted_dates(subs, d.code, b.as_of)
        rows.append(DepartmentRow(
            code=d.code, name=d.name(b.lang), contact=d.contact, tasks=len(mine),
            done=sum(t.get("status") == "done" for t in mine),
            trouble=sum(t.get("status") in TROUBLE for t in mine),
            overdue=sum(b.overdue(t) for t in mine),
            percent=round(sum(_percent(t) for t in mine) / len(mine), 1) if mine else 0.0,
            last_received=last[-1].isoformat() if last else "",
            submitted=_submitted(subs, d.code, week, b.as_of)))
    return tuple(rows)


# --- from a workspace: inputs, reports, e-mail ------------------------------------------------

def submissions_with_sidecars(ws: Workspace, db: StateDB) -> list[dict]:
    """Every recorded submission, plus an accepted one for each accepted/<DEPT>.json the database
    does not know (a workbook put into accepted/ by hand or restored from a backup)."""
    subs = [{**vars(s), "received": s.received.isoformat()} for s in db.submissions()]
    known = {s["department"] for s in subs if s["result"] == "accepted"}
    subs += [{"department": a.department, "file_name": a.file_name or "", "received": a.received.isoformat(),
              "result": "accepted"} for a in read_accepted(ws) if a.department not in known and a.received]
    return subs


def make_brief(ws: Workspace, as_of: dt.date, lang: str | None = None, db: StateDB | None = None,
               risks: Iterable[dict] | None = None) -> Brief:
    """The brief for the week holding `as_of`, from the snapshots in the state database: the newest
    up to `as_of`, the newest before its week, and the newest two weeks older than it."""
    db = db or StateDB(ws.state_db)
    current = db.latest_snapshot_before(as_of, inclusive=True)
    if current is None:
        raise XlflowError("summary-no-snapshot", date=as_of.isoformat())
    if week_of(current[0], ws.project.week_start) == week_of(as_of, ws.project.week_start):
        as_of = current[0]  # judge "overdue" on the data's date, as the attached master does
    previous = db.latest_snapshot_before(week_of(current[0], ws.project.week_start).start)
    older = db.latest_snapshot_before(current[0] - dt.timedelta(days=STALE_DAYS), inclusive=True)
    return build_brief(ws, as_of, current, previous, older, submissions_with_sidecars(ws, db),
                       open_issues(ws) if risks is None else risks, lang)


def open_issues(ws: Workspace) -> list[dict]:
    """Issue-log rows of the departments' current accepted workbooks, each with its department:
    the source the master's issue sheet is merged from. Parsed submissions come from the merge's
    cache (keyed by content hash), so after a merge nothing is read again."""
    from ..store.cache import SubmissionCache

    cache = SubmissionCache(ws, load_catalog())
    rows = []
    for d in ws.departments:
        path = ws.folder("accepted") / f"{d.code}.xlsx"
        if not path.is_file():
            continue
        sub = cache.load(path, ws)
        if sub.data is not None:
            rows += [{**r.values, "department": d.code} for r in sub.data.rows("issues", "log")]
    return rows


def master_file(ws: Workspace, db: StateDB | None = None) -> Path | None:
    """The current master workbook: the one the last merge wrote, else the newest in master/."""
    last = (db or StateDB(ws.state_db)).last_merge()
    if last and Path(last.master_path).is_file():
        return Path(last.master_path)
    found = [p for p in ws.folder("master").glob("*.xlsx") if not p.name.startswith(("~$", "."))]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def default_recipients(ws: Workspace) -> list[str]:
    """The coordinator list ([email] to) and every department contact."""
    return list(ws.email.to) + [d.email for d in ws.departments if d.email]


def render_brief(ws: Workspace, brief: Brief, master_name: str = "") -> tuple[str, str]:
    """(HTML, text) of the brief; the workspace's templates/ override the shipped ones."""
    lead = ws.department(ws.project.lead_department)
    context = {"brief": brief, "master_name": master_name,
               "lead": lead.name(brief.lang) if lead else ws.project.lead_department}
    return (render(ws, "brief.html.j2", brief.lang, **context),
            render(ws, "brief.txt.j2", brief.lang, **context))


def write_reports(ws: Workspace, brief: Brief, html: str, text: str, out_dir: Path | None = None) -> tuple[Path, Path]:
    """reports/brief-2026-W47-zh.html and .md (the text part is Markdown), each written atomically."""
    folder = Path(out_dir) if out_dir else ws.folder("reports")
    base = f"brief-{brief.week.label}-{brief.lang}"
    return (write_bytes(folder / f"{base}.html", html.encode("utf-8")),
            write_bytes(folder / f"{base}.md", text.encode("utf-8")))


@dataclass(frozen=True)
class BriefResult:
    brief: Brief
    html: Path
    text: Path
    delivery: DeliveryResult


def send_weekly_brief(ws: Workspace, as_of: dt.date, send: bool = True, to: Iterable[str] | None = None,
                      lang: str | None = None, out_dir: Path | None = None, db: StateDB | None = None,
                      risks: Iterable[dict] | None = None) -> BriefResult:
    """Build the brief, write it to reports/, and put the e-mail (master attached) in outbox/;
    with `send` and a configured server also send it. MailError leaves the .eml in outbox/."""
    db = db or StateDB(ws.state_db)
    brief = make_brief(ws, as_of, lang, db, risks)
    master = master_file(ws, db)
    fits = master is not None and master.stat().st_size <= ws.email.max_attachment_mb * 1024 * 1024
    html, text = render_brief(ws, brief, attachment_name(master) if fits else "")  # else compose adds its path
    html_path, text_path = write_reports(ws, brief, html, text, out_dir)
    message = compose(ws, brief.subject, text, html, list(to) if to else default_recipients(ws),
                      [master] if master else [], kind=f"brief-{brief.week.label}", lang=brief.lang)
    return BriefResult(brief, html_path, text_path, deliver(ws, message, send))


def missing_departments(ws: Workspace, as_of: dt.date, db: StateDB | None = None) -> list[str]:
    """Codes of the departments with no accepted submission in the week holding `as_of`."""
    week = week_of(as_of, ws.project.week_start)
    subs = submissions_with_sidecars(ws, db or StateDB(ws.state_db))
    return [d.code for d in ws.departments if not _submitted(subs, d.code, week, as_of)]


def send_reminders(ws: Workspace, as_of: dt.date, send: bool = True, lang: str | None = None,
                   db: StateDB | None = None) -> tuple[list[DeliveryResult], list[str]]:
    """A reminder to each department that has not submitted this week, with its last accepted
    workbook (or a blank one) attached. Returns the deliveries and the codes skipped for lack of
    an e-mail address. All messages are written to outbox/ before the first is sent."""
    from .notify import reminder_attachment, reminder_message

    lang = lang or ws.lang
    messages, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="xlflow-reminder-") as tmp:
        for code in missing_departments(ws, as_of, db):
            if not ws.department(code).email:
                skipped.append(code)
                continue
            attachment = reminder_attachment(ws, code, lang, Path(tmp))
            messages.append(reminder_message(ws, code, attachment, lang, as_of))
        return deliver_all(ws, messages, send), skipped


# --- the schedule the watcher follows ---------------------------------------------------------

SCHEDULE_FILE = "schedule.json"


def scheduled_at(ws: Workspace, week: Week, weekday: int, at: dt.time) -> dt.datetime:
    """The moment in `week` when a weekly job is due (weekday 0 = Monday)."""
    day = week.start + dt.timedelta(days=(weekday - week.start.weekday()) % 7)
    return dt.datetime.combine(day, at)


def run_schedule(ws: Workspace, now: dt.datetime, send: bool = True, db: StateDB | None = None) -> list[str]:
    """What the watcher calls on every rescan: sends this week's reminders once the configured
    reminder time has passed, and the brief once the send time has passed — each once per week
    (remembered in reports/schedule.json), catching up if the watcher was not running at that
    moment. Returns the jobs done ("reminders", "brief"). A MailError is raised after the job is
    marked done: its .eml files wait in outbox/ for mail.retry_outbox."""
    cfg = ws.summary
    now = now.replace(tzinfo=None)
    week = week_of(now.date(), ws.project.week_start)
    marks_path = ws.folder("reports") / SCHEDULE_FILE
    try:
        marks = json.loads(marks_path.read_text("utf-8"))
    except (OSError, ValueError):
        marks = {}
    jobs = [("reminders", cfg.reminder_weekday, cfg.reminder_time), ("brief", cfg.send_weekday, cfg.send_time)]
    done = []
    for job, weekday, at in jobs:
        if weekday is None or marks.get(job) == week.label or now < scheduled_at(ws, week, weekday, at):
            continue
        marks[job] = week.label
        write_bytes(marks_path, json.dumps(marks, indent=1).encode("utf-8"))
        done.append(job)
        if job == "reminders":
            send_reminders(ws, now.date(), send, db=db)
        else:
            send_weekly_brief(ws, now.date(), send, db=db)
    return done
