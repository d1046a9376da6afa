"""The weekly jobs on a workspace: the brief (reports/ and the e-mail), the reminders to the
departments that have not submitted, and the schedule the watcher follows.

Everything the brief reads from the workspace goes through four functions: `read_snapshots`
(the state database's task snapshots), `submissions_with_sidecars` (who sent what, when),
`plan_versions` (the week's new plan versions and what each changed) and `open_issues` (the
accepted workbooks' issue logs, from the parse cache). The brief itself is
computed by output/brief, which reads nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from ..config import Workspace
from ..errors import MailError, XlflowError
from ..output.brief import STALE_DAYS, Brief, PlanVersion, build_brief, render_brief, scorecard_part
from ..output.brief.notices import build_notices
from ..output.mail import DeliveryResult, attachment_name, compose, deliver, deliver_all
from ..output.notify import reminder_attachment, reminder_message
from ..plan.diff import PlanDiff
from ..spec.catalog import load_catalog
from ..store.atomic import write_bytes
from ..store.cache import SubmissionCache
from ..store import weekparts, weekrecord
from .openwork import open_work
from ..store.lateness import late_submissions
from ..store.snapshots import Snapshot
from .edits import edit_lines, master_edits
from ..store.state import StateDB, submitted_departments
from ..workdays import Week, WorkCalendar, week_of
from .changes import change_register
from .control import control_of_brief
from .scorecard import make_scorecard

SCHEDULE_FILE = "schedule.json"  # in reports/: the week each job was last done


# --- what the brief reads ---------------------------------------------------------------------

def read_snapshots(db: StateDB, as_of: dt.date,
                   first_weekday: int) -> tuple[Snapshot, Snapshot | None, Snapshot | None]:
    """(current, previous, older): the newest snapshot up to `as_of`, the newest before its week,
    and the newest at least STALE_DAYS older than it. No snapshot at all is an error."""
    current = db.latest_snapshot_before(as_of, inclusive=True)
    if current is None:
        raise XlflowError("summary-no-snapshot", date=as_of.isoformat())
    previous = db.latest_snapshot_before(week_of(current[0], first_weekday).start)
    older = db.latest_snapshot_before(current[0] - dt.timedelta(days=STALE_DAYS), inclusive=True)
    return current, previous, older


def submissions_with_sidecars(ws: Workspace, db: StateDB, record: weekrecord.WeekRecord | None = None) -> list[dict]:
    """Every recorded submission, plus an accepted one for each accepted version the database
    did not know (a workbook put into accepted/ by hand or restored from a backup): as the week
    record's merge found them, else (a record older than that) as accepted/ holds them now."""
    subs = [{**vars(s), "received": s.received.isoformat()} for s in db.submissions()]
    recorded = weekparts.recorded_sidecars(record)
    return subs + (recorded if recorded is not None else weekparts.sidecar_rows(ws, db))


def submitted(ws: Workspace, as_of: dt.date, db: StateDB) -> frozenset[str]:
    """Who submitted in the week holding `as_of`, up to that day: the store's one definition."""
    return submitted_departments(ws, week_of(as_of, ws.project.week_start).start, db, until=as_of)


def plan_versions(ws: Workspace, db: StateDB, as_of: dt.date) -> tuple[PlanVersion, ...]:
    """Every department's versions received in the week holding `as_of`, up to that day (local
    time): only the record of those days, so a brief rebuilt later shows the same changes."""
    start = week_of(as_of, ws.project.week_start).start
    out = []
    for d in ws.departments:
        for r in db.versions(d.code):
            received = ws.local(r.received).replace(tzinfo=None)
            if r.version is not None and start <= received.date() <= as_of:
                out.append(PlanVersion(d.code, r.version, received, r.file_name,
                                       PlanDiff.from_json(r.changes) if r.changes is not None else None,
                                       r.note or ""))
    return tuple(out)


def open_issues(ws: Workspace) -> list[dict]:
    """Issue-log rows of the departments' current accepted workbooks, each with its department:
    the source the master's issue sheet is merged from. Parsed submissions come from the merge's
    cache (keyed by content hash), so after a merge nothing is read again."""
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


def make_brief(ws: Workspace, as_of: dt.date, lang: str | None = None, db: StateDB | None = None,
               risks: Iterable[dict] | None = None) -> Brief:
    """The brief for the week holding `as_of`, from that week's record only: the task snapshots,
    the week record stored with the snapshot (risks, action items, dependency problems, RACI
    conflicts, the change register with its decisions then, the plan against its baselines, the
    sidecar-only submissions), and the submissions journal up to `as_of` — so building it again
    later gives the same brief. A database older than the week records (or than one of its parts)
    falls back to the current state: today's issue logs, change register and baselines."""
    db = db or StateDB(ws.state_db)
    lang = lang or ws.lang
    current, previous, older = read_snapshots(db, as_of, ws.project.week_start)
    week = week_of(as_of, ws.project.week_start)
    if week_of(current[0], ws.project.week_start) == week:
        as_of = current[0]  # judge "overdue" on the data's date, as the attached master does
    versions = plan_versions(ws, db, as_of)
    done = submitted(ws, as_of, db)
    quiet = not versions and not done and current[0] < week.start  # no update, no merge this week
    if quiet:
        previous = current  # nothing new this week: the week is compared with itself
    record = weekrecord.load(db, current[0])
    if risks is None:
        risks = record.risks if record is not None else open_issues(ws)
    cal = WorkCalendar.from_settings(ws.calendar)
    late = late_submissions(ws, db, week.start, as_of)
    notices = build_notices(ws, record, late, as_of, lang, cal)
    edits = edit_lines(master_edits(ws, week.start, as_of, db), lang or ws.lang)
    changes = weekparts.recorded_changes(record)  # the register as that week's merge saw it
    brief = build_brief(ws, as_of, current, previous, older, submissions_with_sidecars(ws, db, record), risks,
                        lang, calendar=cal, submitted=done, versions=versions, notices=notices, quiet=quiet,
                        master_edits=edits, changes=change_register(ws, db) if changes is None else changes)
    return replace(brief, scorecard=scorecard_part(ws, make_scorecard(ws, as_of, db), brief.lang),
                   control=control_of_brief(ws, db, current, brief.lang, record))


# --- the brief out: reports/ and the e-mail ---------------------------------------------------

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
                      risks: Iterable[dict] | None = None, preview: bool = False) -> BriefResult:
    """Build the brief, write it to reports/, and queue the e-mail (master attached) in outbox/;
    with `send` and a configured server also send it. MailError leaves the .eml queued. With
    `preview` the e-mail only goes to outbox/preview/ (a look, not a queued message)."""
    db = db or StateDB(ws.state_db)
    brief = make_brief(ws, as_of, lang, db, risks)
    master = master_file(ws, db)
    fits = master is not None and master.stat().st_size <= ws.email.max_attachment_mb * 1024 * 1024
    html, text = render_brief(ws, brief, attachment_name(master) if fits else "")  # else compose adds its path
    html_path, text_path = write_reports(ws, brief, html, text, out_dir)
    message = compose(ws, brief.subject, text, html, list(to) if to else default_recipients(ws),
                      [master] if master else [], kind=f"brief-{brief.week.label}", lang=brief.lang)
    return BriefResult(brief, html_path, text_path, deliver(ws, message, send, preview))


# --- reminders --------------------------------------------------------------------------------

def missing_departments(ws: Workspace, as_of: dt.date, db: StateDB | None = None) -> list[str]:
    """Codes of the departments with no accepted submission in the week holding `as_of`."""
    done = submitted(ws, as_of, db or StateDB(ws.state_db))
    return [d.code for d in ws.departments if d.code not in done]


def send_reminders(ws: Workspace, as_of: dt.date, send: bool = True, lang: str | None = None,
                   db: StateDB | None = None, preview: bool = False) -> tuple[list[DeliveryResult], list[str]]:
    """A reminder to each department that has not submitted this week, with its last accepted
    workbook (or a blank one) attached, and to each department that has but owes overdue action
    items; every reminder lists the department's open action items and open tasks due this week
    (service/openwork.py). Returns the deliveries and the codes skipped for lack of an e-mail
    address. All messages are written to outbox/ before the first is sent."""
    lang = lang or ws.lang
    db = db or StateDB(ws.state_db)
    missing = set(missing_departments(ws, as_of, db))
    messages, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="xlflow-reminder-") as tmp:
        for d in ws.departments:
            owed = open_work(ws, db, d.code, as_of, lang)
            if d.code not in missing and not owed.overdue_actions:
                continue
            if not d.email:
                skipped.append(d.code)
                continue
            attachment = reminder_attachment(ws, d.code, lang, Path(tmp)) if d.code in missing else None
            messages.append(reminder_message(ws, d.code, attachment, lang, as_of, owed))
        return deliver_all(ws, messages, send, preview), skipped


# --- the schedule the watcher follows ---------------------------------------------------------

def scheduled_at(week: Week, weekday: int, at: dt.time) -> dt.datetime:
    """The moment in `week` when a weekly job is due (weekday 0 = Monday)."""
    day = week.start + dt.timedelta(days=(weekday - week.start.weekday()) % 7)
    return dt.datetime.combine(day, at)


def run_schedule(ws: Workspace, now: dt.datetime, send: bool = True, db: StateDB | None = None) -> list[str]:
    """What the watcher calls on every rescan: sends this week's reminders once the configured
    reminder time has passed, and the brief once the send time has passed — each once per week
    (remembered in reports/schedule.json), catching up if the watcher was not running at that
    moment. Returns the jobs done ("reminders", "brief"). A job is marked done only once its
    e-mails are sent or at least written to outbox/: a job that fails before (no snapshot, a full
    disk) is tried again at the next call. A MailError (the .eml files are in outbox/, where the
    watcher's retry sends them later) is raised after both jobs ran and were marked."""
    cfg = ws.summary
    now = now.replace(tzinfo=None)
    week = week_of(now.date(), ws.project.week_start)
    marks_path = ws.folder("reports") / SCHEDULE_FILE
    try:
        marks = json.loads(marks_path.read_text("utf-8"))
    except (OSError, ValueError):
        marks = {}
    jobs = [("reminders", cfg.reminder_weekday, cfg.reminder_time), ("brief", cfg.send_weekday, cfg.send_time)]
    done, mail_error = [], None
    for job, weekday, at in jobs:
        if weekday is None or marks.get(job) == week.label or now < scheduled_at(week, weekday, at):
            continue
        try:
            if job == "reminders":
                send_reminders(ws, now.date(), send, db=db)
            else:
                send_weekly_brief(ws, now.date(), send, db=db)
        except MailError as exc:  # written to outbox/ (deliver writes before it sends): done, sent later
            mail_error = mail_error or exc
        marks[job] = week.label
        write_bytes(marks_path, json.dumps(marks, indent=1).encode("utf-8"))
        done.append(job)
    if mail_error is not None:
        raise mail_error
    return done
