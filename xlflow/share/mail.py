"""The weekly mail to each audience the sharing list names for "mail": its slice and calendar
attached, and its own numbers (not the project's). Composed and delivered by the one mail layer
(output/mail.py); every file mailed is recorded (who, what, when, its sha256) in the state database
so `xlflow share log` answers "who saw this". The coordinators' weekly mail is the brief.

A department that gets the weekly brief gets one mail a week: its brief with its slice and calendar
attached (weekmail.py), the same message, with the same identity in the outbox, whether the brief or
this mail composes it. A department whose contact gets the coordinators' brief (the lead department,
or one whose rows give it "master") has the master there and no second mail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from ..config import Workspace
from ..errors import MailError, XlflowError
from ..i18n import msg
from ..output.mail import DeliveryResult, compose, deliver
from ..store.state import StateDB, now_iso
from ..week.build import load_week
from ..week.state import WeekState
from .audience import BriefAudience, brief_audiences
from .ledger import SharedFile, record_sent
from .publish import FILE_FORMATS, audience_slice, publish, write_files
from .scope import UPSTREAM, Slice
from .sharing import COORDINATORS, sharing_list
from .weekmail import department_message


@dataclass
class MailResult:
    deliveries: list[DeliveryResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # audiences without an address
    folded: list[str] = field(default_factory=list)  # departments whose slice goes with their weekly brief
    errors: list[str] = field(default_factory=list)  # a mail that could not be sent (kept in outbox/)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recipients(ws: Workspace, audience: str) -> list[str]:
    if "@" in audience:
        return [audience]
    dept = ws.department(audience)
    return [dept.email] if dept and dept.email else []


def _body(ws: Workspace, state: WeekState, piece: Slice, audience: str, files: list[Path], lang: str) -> str:
    dept = ws.department(piece.department or "")
    week = state.department(piece.department or "")
    up = [x for x in piece.linked if x.direction == UPSTREAM and x.status != "done"]
    lead = ws.department(ws.project.lead_department)
    contact = ", ".join(x for x in (lead.contact, lead.email) if x) if lead else ""
    greeting = (
        msg("share-mail-greeting", lang, name=dept.contact)
        if dept and dept.contact and "@" not in audience
        else msg("share-mail-greeting-team", lang)
    )
    return msg(
        "share-mail-body",
        lang,
        greeting=greeting,
        department=dept.name(lang) if dept else audience,
        project=ws.project.name(lang),
        start=state.week.start.isoformat(),
        end=state.week.end.isoformat(),
        data_date=state.data_date.isoformat(),
        tasks=week.tasks if week else len(piece.tasks),
        done=week.done if week else 0,
        trouble=week.trouble if week else 0,
        overdue=week.overdue if week else 0,
        percent=f"{week.percent:.0f}" if week else "0",
        upstream=len(up),
        upstream_late=sum(1 for x in up if x.due is not None and x.due < state.as_of),
        changes=len(piece.changes),
        files=", ".join(p.name for p in files),
        lead=msg("share-mail-lead", lang, lead=(f"{lead.name(lang)} {contact}".strip() if lead else "")),
    )


def send_department_mails(
    ws: Workspace,
    state: WeekState,
    send: bool,
    frequency: str = "weekly",
    db: StateDB | None = None,
    lang: str | None = None,
    brief_sent: bool = False,
) -> MailResult:
    """Each audience's mail for this frequency, its files written first; MailError is noted, not
    raised (the .eml stays in outbox/ for the retry), so one refused address does not stop the rest.
    A department that gets its own weekly brief gets it here, its slice attached (the brief's
    message: sent already, it is withdrawn); with `brief_sent` (the watcher, right after the brief)
    it is not composed again."""
    lang = lang or ws.lang
    db = db or StateDB(ws.state_db)
    sharing = sharing_list(ws)
    audiences = [a for a in sharing.audiences() if a != COORDINATORS and "mail" in sharing.formats(a, frequency)]
    result = MailResult()
    to = {a: _recipients(ws, a) for a in audiences}
    result.skipped = [a for a in audiences if not to[a]]
    briefed, covered = _briefed(ws, state) if frequency == "weekly" else ({}, set())
    for a in [a for a in audiences if to[a] and (a in briefed or set(map(_key, to[a])) <= covered)]:
        audiences.remove(a)
        result.folded.append(a)
        if a in briefed and not brief_sent:
            _deliver(ws, department_message(ws, state, briefed[a], lang, db, sharing), send, result, lang)
    written = write_files(ws, state, {a: FILE_FORMATS for a in audiences if to[a]}, db, lang)
    for published in written:
        message = _share_message(ws, state, published.audience, list(published.files), to[published.audience], lang, db)
        _deliver(ws, message, send, result, lang)
    return result


def _share_message(
    ws: Workspace, state: WeekState, audience: str, files: list[Path], to: list[str], lang: str, db: StateDB
) -> EmailMessage:
    """The share mail of an audience without a weekly brief of its own, its files recorded (queued: log.py
    tells whether it went)."""
    piece = audience_slice(ws, state, sharing_list(ws), audience)
    name = ws.department(piece.department or "")
    subject = msg(
        "share-mail-subject",
        lang,
        project=ws.project.name(lang),
        week=state.week.number,
        department=name.name(lang) if name else audience,
    )
    message = compose(
        ws,
        subject,
        _body(ws, state, piece, audience, files, lang),
        None,
        to,
        files,
        kind=f"share-{piece.department or 'project'}-{state.week.label}",
        lang=lang,
    )
    sent, week, rcpts, mid = now_iso(), state.week.label, ", ".join(to), str(message["Message-ID"])
    record_sent(db, [SharedFile(sent, week, audience, rcpts, p.name, _sha256(p), mid) for p in files])
    return message


def _deliver(ws: Workspace, message: EmailMessage, send: bool, result: MailResult, lang: str) -> None:
    try:
        result.deliveries.append(deliver(ws, message, send))
    except MailError as exc:
        result.errors.append(exc.message(lang))


def _key(address: str) -> str:
    return (parseaddr(address)[1] or address).strip().lower()


def _briefed(ws: Workspace, state: WeekState) -> tuple[dict[str, BriefAudience], set[str]]:
    """The departments that get their own weekly brief, and the addresses of the coordinators' brief."""
    audiences = [a for a in brief_audiences(ws, state.week.label) if a.to]
    return (
        {a.name: a for a in audiences if not a.whole},
        {_key(address) for a in audiences if a.whole for address in a.to},
    )


def send_weekly(
    ws: Workspace, as_of, send: bool, db: StateDB | None = None, lang: str | None = None, brief_sent: bool = False
) -> MailResult:
    """The week's files the sharing list wants weekly, then each audience's weekly mail (the
    watcher runs it after the brief, with `brief_sent`). Never raises: what went wrong is in `errors`."""
    lang = lang or ws.lang
    db = db or StateDB(ws.state_db)
    try:
        sharing = sharing_list(ws)
        wanted = [a for a in sharing.audiences() if sharing.formats(a, "weekly")]
        if not wanted:
            return MailResult()
        state = load_week(ws, as_of, db, scorecard=any("scorecard" in sharing.contents(a) for a in wanted))
        publish(ws, state, "weekly", db, lang)
        return send_department_mails(ws, state, send, "weekly", db, lang, brief_sent)
    except (XlflowError, OSError) as exc:
        text = exc.message(lang) if isinstance(exc, XlflowError) else f"{type(exc).__name__}: {exc}"
        return MailResult(errors=[msg("share-not-written", lang, problem=text)])
