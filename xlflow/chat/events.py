"""What the intake, the merge and the weekly jobs call: each renders its event for every channel
that takes it, queues it once (keyed by the event, so a re-run after a crash queues nothing new)
and wakes the sender. They never raise: a chat problem must not stop a file, a merge or a mail."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from pathlib import Path

from ..config import Workspace
from ..week.state import WeekState
from . import render
from .config import load_channels
from .message import Message
from .runner import kick, outbox
from .vendors import parts

RECENT_DAYS = 14  # decisions older than this are not announced (a workspace that just added a robot)


def _queue(ws: Workspace, event: str, key: str, make, attach: Path | None = None) -> int:
    """Queue the event on every channel that takes it; the number of channels it was new to."""
    try:
        channels = [c for c in load_channels(ws) if event in c.events]
        if not channels:
            return 0
        box, queued = outbox(ws), 0
        for channel in channels:
            message: Message | None = make(ws.lang)
            if message is not None:
                queued += box.enqueue(channel.name, event, key, parts(channel, message, attach), time.time())
        if queued:
            kick(ws)
        return queued
    except Exception:  # noqa: BLE001 - chat is best-effort beside the mail, which stays the record
        return 0


def intake(
    ws: Workspace,
    token: str,
    department: str | None,
    file_name: str,
    result: str,
    version: int | None,
    errors: int,
    warnings: int,
) -> int:
    """One line per processed file; `token` names the inbox entry (the mail's token)."""
    return _queue(
        ws,
        "intake",
        f"intake:{token}",
        lambda lang: render.intake_line(ws, lang, department, file_name, result, version, errors, warnings),
    )


def brief(ws: Workspace, state: WeekState, where: str, attach: Path | None = None) -> int:
    """The digest; WeCom groups also get `attach` (the brief's text) as a file."""
    return _queue(ws, "brief", f"brief:{state.week.label}", lambda lang: render.digest(ws, state, lang, where), attach)


def reminder(ws: Workspace, state: WeekState) -> int:
    return _queue(ws, "reminder", f"reminder:{state.week.label}", lambda lang: render.reminder(ws, state, lang))


def after_merge(ws: Workspace, state: WeekState, today: dt.date | None = None) -> int:
    """Decisions newly made (each announced once) and the rows marked for escalation."""
    today = today or state.as_of
    queued = 0
    for change in state.changes:
        if getattr(change, "status", "") not in ("approved", "rejected"):
            continue
        if change.decided_on is not None and (today - change.decided_on).days > RECENT_DAYS:
            continue
        queued += _queue(
            ws,
            "decision",
            f"decision:{change.change_id}:{change.status}",
            lambda lang, c=change: render.decision(ws, c, lang),
        )
    for esc in state.escalations:
        said = hashlib.sha256(esc.comment.encode("utf-8")).hexdigest()[:12]
        queued += _queue(
            ws,
            "escalation",
            f"escalation:{esc.department}:{esc.task_id}:{said}",
            lambda lang, e=esc: render.escalation(ws, state, e, lang),
        )
    return queued
