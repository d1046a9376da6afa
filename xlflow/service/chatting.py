"""Where the service tells the group chats: one call per hook, each cheap (it only queues; the
chat sender paces and sends in the background) and never raising. Nothing happens in a workspace
without [[chat]] tables."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..chat import events
from ..chat.config import load_channels
from ..config import Workspace
from ..i18n import msg
from ..store.state import StateDB
from ..week.state import WeekState
from .outcome import Outcome

PROCESSED = ("accepted", "rejected", "unreadable")


def _week(ws: Workspace, as_of: dt.date, db: StateDB | None):
    from ..week.build import load_week

    return load_week(ws, as_of, db, scorecard=False)


def after_intake(ws: Workspace, outcome: Outcome) -> None:
    """One intake line per processed file (accepted, rejected, unreadable)."""
    if "chat" not in ws.extra or outcome.result not in PROCESSED:
        return
    events.intake(ws, f"{outcome.path}\0{outcome.sha256}", outcome.department, Path(outcome.path).name,
                  outcome.result, outcome.version, outcome.errors, outcome.warnings)


def after_merge(ws: Workspace, as_of: dt.date, db: StateDB | None = None,
                week: Callable[[], WeekState] | None = None) -> None:
    """Decisions newly made and rows marked for escalation, from the week the merge left (`week`:
    the merge's own value; else loaded)."""
    if "chat" not in ws.extra:
        return
    try:
        if not any(e in c.events for c in load_channels(ws) for e in ("decision", "escalation")):
            return  # the week is not loaded for nothing
        events.after_merge(ws, week() if week is not None else _week(ws, as_of, db))
    except Exception:  # noqa: BLE001 - the merge is done; chat is best-effort beside the mail
        return


def after_brief(ws: Workspace, as_of: dt.date, text_path: Path | None, db: StateDB | None = None) -> None:
    """The brief's one-screen digest, saying where the full brief is."""
    if "chat" not in ws.extra:
        return
    try:
        where = msg("chat-brief-where", ws.lang, path=text_path.relative_to(ws.root) if text_path else "reports/")
        events.brief(ws, _week(ws, as_of, db), where, text_path)
    except Exception:  # noqa: BLE001
        return


def with_chat_notes(ws: Workspace, brief):
    """The brief with a note per group chat that is stopped ("group X stopped: <answer> — what to do"),
    in the brief's language; unchanged when every group is open or none is configured."""
    if "chat" not in ws.extra:
        return brief
    try:
        from ..chat.status import stopped_lines

        lines = stopped_lines(ws, brief.lang)
    except Exception:  # noqa: BLE001 - a broken chat table is said by every command, not by the brief
        return brief
    return dataclasses.replace(brief, notes=brief.notes + tuple(lines)) if lines else brief


def after_reminders(ws: Workspace, as_of: dt.date, db: StateDB | None = None, week=None) -> None:
    """@-mentions of who has not submitted; `week`: the WeekState the reminders used, if loaded."""
    if "chat" not in ws.extra:
        return
    try:
        events.reminder(ws, week if week is not None else _week(ws, as_of, db))
    except Exception:  # noqa: BLE001
        return


def wake(ws: Workspace, report=None) -> None:
    """Start the sender for what a previous run left queued (the watcher, when it starts); its
    retries and stops go to `report` (the watcher's log)."""
    if "chat" in ws.extra:
        from ..chat.runner import kick

        kick(ws, report)
