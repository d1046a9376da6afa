"""The weekly jobs on a workspace: the brief (reports/ and the e-mail), the reminders to the
departments that have not submitted, and the schedule the watcher follows.

The week itself is loaded once (xlflow/week/build.py: load_week) and rendered: the brief by
output/brief, which reads nothing; the reminders' open work by service/openwork.py.
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import Workspace
from ..errors import MailError, XlflowError
from ..output import outboxkeep, reportkeep
from ..output.mail import DeliveryResult, attachment_name, deliver_all
from ..output.notify import reminder_attachment, reminder_message
from ..share.log import what_others_see
from ..share.mail import send_weekly
from ..store.atomic import write_bytes
from ..store.departments import as_configured
from ..store.state import StateDB
from ..week.brief import Brief, build_brief, render_brief
from ..week.build import load_week, submitted
from ..week.state import WeekState
from ..week.tasks import items_of
from ..workdays import Week, week_of
from . import chatting
from .briefmail import brief_messages, deliver_briefs, fits
from .openwork import open_work

SCHEDULE_FILE = "schedule.json"  # in reports/: the week each job was last done


# --- the brief: a rendering of the week ----------------------------------------------------------

def make_brief(ws: Workspace, as_of: dt.date, lang: str | None = None, db: StateDB | None = None,
               risks: Iterable[dict] | None = None) -> Brief:
    """The brief for the week holding `as_of`: the week as its newest merge up to that day recorded it
    (xlflow/week: load_week), rendered — so building it again later gives the same brief. `risks`
    (issue-log rows, each with its department) replace the week's own. The departments are those the
    week had: one retired since is still in its brief."""
    db = db or StateDB(ws.state_db)
    ws = as_configured(ws, db, as_of)
    return build_brief(_brief_week(ws, as_of, db, risks), ws, lang or ws.lang)


def _brief_week(ws: Workspace, as_of: dt.date, db: StateDB, risks: Iterable[dict] | None) -> WeekState:
    week = load_week(ws, as_of, db)
    return replace(week, risks=items_of(risks)) if risks is not None else week


# --- the brief out: reports/ and the e-mail ---------------------------------------------------

def master_file(ws: Workspace, db: StateDB | None = None) -> Path | None:
    """The current master workbook: the one the last merge wrote, else the newest in master/."""
    last = (db or StateDB(ws.state_db)).last_merge()
    if last and Path(last.master_path).is_file():
        return Path(last.master_path)
    found = [p for p in ws.folder("master").glob("*.xlsx") if not p.name.startswith(("~$", "."))]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


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
    deliveries: tuple[DeliveryResult, ...]  # the coordinators' first, then each department's

    @property
    def delivery(self) -> DeliveryResult:
        """The coordinators' brief (or the one to --to)."""
        return self.deliveries[0]


def send_weekly_brief(ws: Workspace, as_of: dt.date, send: bool = True, to: Iterable[str] | None = None,
                      lang: str | None = None, out_dir: Path | None = None, db: StateDB | None = None,
                      risks: Iterable[dict] | None = None, preview: bool = False) -> BriefResult:
    """Build the brief, write it to reports/, and queue its e-mails in outbox/: the coordinators'
    with the master attached, each department's holding only what its slice holds, with its slice
    attached (briefmail.py, share/weekmail.py);
    with `send` and a configured server also send them. MailError leaves the .eml files queued.
    With `preview` the e-mails only go to outbox/preview/ (a look, not queued messages)."""
    db = db or StateDB(ws.state_db)
    ws = as_configured(ws, db, as_of)  # the departments the week had
    week = _brief_week(ws, as_of, db, risks)
    brief = chatting.with_chat_notes(ws, build_brief(week, ws, lang or ws.lang))  # a stopped group chat, said
    master = master_file(ws, db)
    html, text = render_brief(ws, brief, attachment_name(master) if master is not None and fits(ws, master) else "")  # else compose adds its path
    html_path, text_path = write_reports(ws, brief, html, text, out_dir)
    messages = brief_messages(ws, brief, (html, text), master, list(to) if to else None, week, db, not preview)
    if not preview:
        chatting.after_brief(ws, as_of, text_path, db)  # the one-screen digest to the group chats (queued)
    deliveries = tuple(deliver_briefs(ws, messages, send, preview))
    outboxkeep.prune(ws, as_of)  # previews and sent attachments of briefs past [watch] history_days (bounded disk)
    if out_dir is None:
        reportkeep.prune_pages(ws, as_of)  # the pages of briefs past [watch] history_weeks (their Markdown stays)
    return BriefResult(brief, html_path, text_path, deliveries)


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
    week = _week_or_none(ws, as_of, db)
    messages, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="xlflow-reminder-") as tmp:
        for d in ws.departments:
            owed = open_work(ws, week, d.code, as_of, lang)
            if d.code not in missing and not owed.overdue_actions:
                continue
            if not d.email:
                skipped.append(d.code)
                continue
            attachment = (reminder_attachment(ws, d.code, lang, Path(tmp), what_others_see(ws, lang, d.code))
                          if d.code in missing else None)
            messages.append(reminder_message(ws, d.code, attachment, lang, as_of, owed))
        if not preview:
            chatting.after_reminders(ws, as_of, db, week)  # @-mentions of who has not submitted (queued)
        return deliver_all(ws, messages, send, preview), skipped


def _week_or_none(ws: Workspace, as_of: dt.date, db: StateDB) -> WeekState | None:
    """The week the reminders name open work from; None before the first merge."""
    try:
        return load_week(ws, as_of, db, scorecard=False)
    except XlflowError as exc:
        if exc.key != "summary-no-snapshot":
            raise
        return None


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
                send_weekly(ws, now.date(), send, db=db, brief_sent=True)  # the named recipients' slices; never raises
        except MailError as exc:  # written to outbox/ (deliver writes before it sends): done, sent later
            mail_error = mail_error or exc
        marks[job] = week.label
        write_bytes(marks_path, json.dumps(marks, indent=1).encode("utf-8"))
        done.append(job)
    if mail_error is not None:
        raise mail_error
    return done
