"""A department's one weekly mail: its brief, holding only what its slice holds (briefscope.py), with
its slice attached — or named by its path when too big ([email] max_attachment_mb) — as the sharing
list says: the slice and calendar written now when its rows ask for a weekly "mail", else the slice
workbook written at the merge when they give it the xlsx (audience.py: slice_file).

The brief (service/briefmail.py) and the share mail (mail.py) both compose it here, with one identity
in the outbox (the kind brief-2026-W47, the department, its address): whichever runs again replaces
the waiting copy, and once it is sent the next one is withdrawn (output/outbox.py), so a department
gets one mail a week, not a brief and a share mail. Each file attached is recorded in the ledger
(`xlflow share log`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from email.message import EmailMessage
from pathlib import Path

from ..config import Workspace
from ..features.scorecard.brief import narrowed
from ..i18n import msg
from ..output.mail import attachment_name, compose
from ..output.outbox import already_sent
from ..store.state import StateDB, now_iso
from ..week.brief import Brief, build_brief, render_brief
from ..week.state import WeekState
from .audience import BriefAudience
from .briefscope import scoped_week
from .ledger import SharedFile, record_sent
from .publish import FILE_FORMATS, audience_slice, write_files
from .sharing import SharingList, sharing_list


def department_brief(
    ws: Workspace, state: WeekState, audience: BriefAudience, sharing: SharingList, lang: str
) -> Brief:
    """The department's brief: built from its slice's week, its headline over its own tasks, its
    scorecard lines those the audience sees."""
    week = scoped_week(audience_slice(ws, state, sharing, audience.name))
    brief = build_brief(week, ws, lang, reader=audience.name)
    dept = ws.department(audience.name)
    subject = msg(
        "weekmail-subject", lang, subject=brief.subject, department=dept.name(lang) if dept else audience.name
    )
    return dataclasses.replace(brief, subject=subject, scorecard=narrowed(brief.scorecard, audience.scorecards))


def department_files(
    ws: Workspace, state: WeekState, audience: BriefAudience, sharing: SharingList, db: StateDB, lang: str
) -> list[Path]:
    """What goes with the department's brief: its slice and calendar, written now, when its rows ask
    for a weekly mail; else its slice workbook of the merge, if it has one; else nothing."""
    if "mail" in sharing.formats(audience.name, "weekly"):
        return [
            p for published in write_files(ws, state, {audience.name: FILE_FORMATS}, db, lang) for p in published.files
        ]
    return [audience.slice] if audience.slice is not None else []


def _fits(ws: Workspace, path: Path) -> bool:
    return path.stat().st_size <= ws.email.max_attachment_mb * 1024 * 1024


def department_message(
    ws: Workspace,
    state: WeekState,
    audience: BriefAudience,
    lang: str,
    db: StateDB | None = None,
    sharing: SharingList | None = None,
    record: bool = True,
) -> EmailMessage:
    """The department's weekly mail, its attachments recorded in the ledger (not for a preview:
    `record` False; nor when that mail went out already: this copy will be withdrawn)."""
    db = db or StateDB(ws.state_db)
    sharing = sharing or sharing_list(ws)
    brief = department_brief(ws, state, audience, sharing, lang)
    files = department_files(ws, state, audience, sharing, db, lang)
    book = next((p for p in files if p.suffix == ".xlsx" and _fits(ws, p)), None)
    ics = next((p for p in files if p.suffix == ".ics" and _fits(ws, p)), None)
    html, text = render_brief(
        ws,
        brief,
        "",
        attachment_name(book) if book is not None else "",
        attachment_name(ics) if ics is not None else "",
    )
    kind = f"brief-{state.week.label}"
    message = compose(ws, brief.subject, text, html, audience.to, files, kind=kind, lang=lang, about=audience.name)
    sent, to = now_iso(), ", ".join(audience.to)
    if not record or not files or already_sent(ws, message):  # a copy already sent is withdrawn, not sent again
        return message
    record_sent(
        db,
        [
            SharedFile(sent, state.week.label, audience.name, to, p.name, _sha256(p), str(message["Message-ID"]))
            for p in files
        ],
    )
    return message


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
