"""The e-mails a department gets: feedback on each submission (accepted, or rejected with the
findings and the annotated copy) and the weekly reminder when its update is missing.

Each function returns a composed message; the caller passes it to mail.deliver (outbox/ always,
SMTP when configured). Texts come from the message catalog, layout from output/templates/.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from ..check.model import Submission
from ..config import Workspace
from ..findings import Finding, Report
from ..i18n import msg
from ..store.atomic import atomic_path
from ..workdays import week_of
from ..xlsx.bounded import CopyResult, annotate
from .mail import compose, render
from .signature import greeting, lead_name, signature

MAX_FINDINGS = 30  # listed in the body; all of them are marked in the annotated copy


@dataclass(frozen=True)
class FindingLine:
    where: str
    message: str
    severity: str


def _lines(findings: list[Finding], lang: str) -> list[FindingLine]:
    def where(f: Finding) -> str:
        if f.sheet and f.cell:
            return f"{f.sheet}!{f.cell}"
        return f.sheet or f.cell or ""

    return [FindingLine(where(f), f.message(lang), f.severity) for f in findings]


def _lead(ws: Workspace, lang: str) -> str:
    return lead_name(ws, lang)


def write_feedback_copy(sub: Submission, out_path: Path, lang: str) -> Path | None:
    """The annotated copy of a submission, written atomically; None when there is none (see make_feedback_copy)."""
    return make_feedback_copy(sub, out_path, lang).path


def make_feedback_copy(sub: Submission, out_path: Path, lang: str) -> CopyResult:
    """The annotated copy, written atomically within bounded time and memory (xlsx/bounded.py); when
    it is not made, the result says why (copy_note() turns that into the mail's sentence)."""
    out_path = Path(out_path)
    try:
        with atomic_path(out_path) as tmp:
            result = annotate(sub.path, sub.report, tmp, lang)
            if result.path is None:
                raise _NoCopy(result)  # leaves no empty file behind
    except _NoCopy as no:
        return no.args[0]
    return CopyResult(out_path)


def copy_note(result: CopyResult | None, lang: str, short: bool = False) -> str:
    """The mail's sentence (`short`: the log's) when the copy was left out for its size or the limits; "" otherwise."""
    if result is None or result.skipped not in ("too-large", "limits") or result.detail is None:
        return ""
    key, params = result.detail
    return msg("watch-no-annotated-copy" if short else "notify-no-annotated-copy", lang, reason=msg(key, lang, **params))


class _NoCopy(Exception):
    pass


def feedback_message(ws: Workspace, submission: Submission, feedback_copy: Path | None, lang: str | None = None,
                     *, to: list[str] | None = None, version: int | None = None,
                     file_name: str | None = None, has_current: bool = True) -> EmailMessage:
    """Accepted (with any warnings), or rejected with the errors listed and the annotated copy
    attached. `file_name` is the name the submitter used, when the submission's path is a staged copy;
    `has_current` whether the master holds an earlier accepted version of this department."""
    received = ws.show_time(submission.received, zoned=True, lang=lang) if submission.received else ""
    return feedback(ws, file_name or submission.path.name, submission.department,
                    "accepted" if submission.valid else "rejected", submission.report,
                    [feedback_copy] if feedback_copy else [], to=to, version=version, received=received, lang=lang,
                    has_current=has_current, event_at=submission.received)


def feedback(ws: Workspace, file_name: str, department: str | None, result: str, report: Report,
             attachments: list[Path], to: list[str] | None = None, version: int | None = None,
             received: str = "", lang: str | None = None, *, has_current: bool = True, changes: str = "",
             no_change: bool = False, cc: list[str] | None = None, copy_note: str = "",
             event_at: dt.datetime | None = None) -> EmailMessage:
    """The submitter's answer for `result` accepted | rejected | unreadable | duplicate. Goes to the
    department's e-mail, else to the coordinators ([email] to). A rejection says the master keeps the
    last accepted version only when there is one (`has_current`; False on a first rejection). An
    acceptance says what changed in the plan (`changes`); a duplicate of the current version says
    there was nothing to do (`no_change`). `cc`: the coordinators, when they must know too. `copy_note`:
    why a rejection comes without its annotated copy (too large for it)."""
    lang = lang or ws.lang
    dept = ws.department(department) if department else None
    dept_name = dept.name(lang) if dept else msg("notify-unknown-department", lang)
    recipients = to if to is not None else ([dept.email] if dept and dept.email else list(ws.email.to))
    kind = result if result in ("accepted", "duplicate") else "rejected"
    errors, warnings = report.errors, report.warnings
    subject = msg(f"notify-subject-{kind}", lang, project=ws.project.name(lang), department=dept_name, file=file_name)
    context = {
        "result": kind, "accepted": kind == "accepted", "project": ws.project.name(lang), "title": subject,
        "greeting": greeting(dept, lang), "signature": signature(ws, lang),
        "file": file_name, "received": received, "version": version if version is not None else "—",
        "department": dept_name, "errors": _lines(errors[:MAX_FINDINGS], lang),
        "more_errors": max(0, len(errors) - MAX_FINDINGS), "error_count": len(errors),
        "warnings": _lines(warnings[:MAX_FINDINGS], lang), "more_warnings": max(0, len(warnings) - MAX_FINDINGS),
        "warning_count": len(warnings), "annotated": bool(attachments) and kind == "rejected", "lead": _lead(ws, lang),
        "rejected_key": "notify-rejected-unknown" if dept is None else
        "notify-rejected" if has_current else "notify-rejected-first",
        "duplicate_key": "notify-no-change" if no_change else "notify-duplicate", "changes": changes,
        "changes_key": "notify-changes-first" if version == 1 else "notify-changes", "copy_note": copy_note,
        "drop_folder": ws.shown_drop_folder(dept.code if dept else None),
    }
    html = render(ws, "feedback.html.j2", lang, **context)
    text = render(ws, "feedback.txt.j2", lang, **context)
    named: list[Path | tuple[Path, str]] = list(attachments)
    if kind == "rejected":  # the annotated copy keeps the department's own name, marked -feedback
        named = [(a, feedback_name(file_name)) if a.suffix.lower() == ".xlsx" else a for a in attachments]
    return compose(ws, subject, text, html, recipients, named, cc=[a for a in cc or () if a not in recipients],
                   kind=f"feedback-{department or 'unknown'}-{kind}", lang=lang, about=file_name,
                   event_at=event_at)


def deadline_sentence(ws: Workspace, week, as_of: dt.date, lang: str) -> str:
    """" Please send it by Friday 16:00." (the deadline of the reminder's week, from [summary]
    deadline_weekday/deadline_time); "" without a deadline; once past, "as soon as possible"."""
    weekday = ws.summary.deadline_weekday
    if weekday is None:
        return ""
    day = week.start + dt.timedelta(days=(weekday - week.start.weekday()) % 7)
    params = {"day": msg(f"score-weekday-{weekday}", lang), "time": ws.summary.deadline_time.strftime("%H:%M")}
    key = "reminder-deadline-passed" if as_of > day else "reminder-deadline"
    return (" " if lang == "en" else "") + msg(key, lang, date=day.isoformat(), **params)


def feedback_name(file_name: str) -> str:
    """The annotated copy's name in the mail: the department's own file name marked "-feedback"
    (once: a copy dropped back and rejected again is not marked twice)."""
    stem = re.sub(r"(-feedback)+$", "", Path(file_name).stem) or "feedback"
    return f"{stem}-feedback.xlsx"


def reminder_attachment(ws: Workspace, dept_code: str, lang: str, folder: Path,
                        sharing: tuple[str, ...] = ()) -> tuple[Path, str]:
    """The department's last accepted workbook, or else a blank one (printing `sharing`, what
    others see of its plan), copied into `folder` under its usual name; with the date it was
    received ("" for a blank)."""
    from .department import generate_workbook, workbook_name

    target = folder / workbook_name(ws, dept_code, lang)
    accepted = ws.folder("accepted") / f"{dept_code}.xlsx"
    if accepted.is_file():
        shutil.copyfile(accepted, target)
        try:
            received = json.loads((accepted.with_suffix(".json")).read_text("utf-8")).get("received", "")
        except (OSError, ValueError):
            received = ""
        return target, str(received)[:10] or dt.date.fromtimestamp(accepted.stat().st_mtime).isoformat()
    return generate_workbook(ws, dept_code, lang, target, sharing=sharing), ""


def reminder_message(ws: Workspace, dept_code: str, attachment: Path | tuple[Path, str] | None,
                     lang: str | None, as_of: dt.date, open_work: object = None) -> EmailMessage:
    """"Your update for this week is missing" to the department, with its last accepted workbook
    (attachment given as (path, received date) from reminder_attachment) or a blank one, and
    what it still owes (`open_work`: service/openwork.OpenWork — its open action items and its
    open tasks due this week). With no attachment and overdue action items, the department has
    submitted: the body says so and asks only for the items."""
    lang = lang or ws.lang
    dept = ws.department_of(dept_code)
    path, last = attachment if isinstance(attachment, tuple) else (attachment, "")
    week = week_of(as_of, ws.project.week_start)
    subject = msg("reminder-subject", lang, project=ws.project.name(lang), week=week.number)
    context = {
        "project": ws.project.name(lang), "title": subject,
        "greeting": greeting(dept, lang), "signature": signature(ws, lang),
        "body": msg("reminder-body", lang, now=as_of.isoformat(), department=dept.name(lang),
                    start=week.start.isoformat(), end=week.end.isoformat(), folder=ws.shown_drop_folder(dept_code))
        + deadline_sentence(ws, week, as_of, lang) if path or not open_work else
        msg("reminder-body-actions", lang, now=as_of.isoformat(), department=dept.name(lang),
            count=getattr(open_work, "overdue_actions", 0)),
        "actions": getattr(open_work, "actions", ()), "tasks": getattr(open_work, "tasks", ()),
        "attached": (msg("reminder-attached-last", lang, date=last) if last else msg("reminder-attached-blank", lang))
        if path else "",
        "lead": _lead(ws, lang),
    }
    html = render(ws, "reminder.html.j2", lang, **context)
    text = render(ws, "reminder.txt.j2", lang, **context)
    return compose(ws, subject, text, html, [dept.email] if dept.email else list(ws.email.to),
                   [path] if path else [], kind=f"reminder-{dept_code}" if path or not open_work
                   else f"reminder-actions-{dept_code}", lang=lang, about=week.label)
