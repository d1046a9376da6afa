"""The weekly brief as mails, one per audience (share/audience.py says who sees what): the
coordinators the brief as written to reports/ with the master attached; each department its own
brief — only what its slice holds — with its slice attached instead of the master (share/weekmail.py).

Each message's identity in the outbox is its kind (brief-2026-W47), its audience and its
recipients: queuing a brief again replaces that audience's waiting copy, and a brief already sent
to an audience is withdrawn, not sent twice — per audience (output/outbox.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from pathlib import Path

from ..config import Workspace
from ..errors import MailError
from ..output.breaker import SERVER_FAILURES
from ..output.mail import DeliveryResult, compose, deliver
from ..share.audience import brief_audiences
from ..share.sharing import COORDINATORS
from ..share.weekmail import department_message
from ..store.state import StateDB
from ..week.brief import Brief
from ..week.state import WeekState


def fits(ws: Workspace, path: Path | None) -> bool:
    """The file can go as an attachment (else the mail names its path)."""
    return path is not None and path.stat().st_size <= ws.email.max_attachment_mb * 1024 * 1024


def brief_messages(
    ws: Workspace,
    brief: Brief,
    whole: tuple[str, str],
    master: Path | None,
    to: Sequence[str] | None,
    week: WeekState,
    db: StateDB | None = None,
    record: bool = True,
) -> list[EmailMessage]:
    """The brief's mails: to `to` alone (the whole brief) when given, else one per audience.
    `whole` is the coordinators' (HTML, text), as written to reports/; `week` the week it renders,
    from which each department's brief is built anew, holding only what its slice holds, with its
    slice attached: its one mail of the week (share/weekmail.py; `record`: its files in the ledger)."""
    kind = f"brief-{brief.week.label}"

    def mail(html: str, text: str, rcpts: Iterable[str], files: list[Path], about: str | None) -> EmailMessage:
        return compose(ws, brief.subject, text, html, rcpts, files, kind=kind, lang=brief.lang, about=about)

    masters = [master] if master is not None else []
    if to:
        return [mail(*whole, to, masters, None)]
    audiences = brief_audiences(ws, brief.week.label)
    if not any(a.to for a in audiences):  # nobody: queued anyway, and sending it says there is no recipient
        return [mail(*whole, (), masters, COORDINATORS)]
    out = []
    for audience in audiences:
        if not audience.to:
            continue
        if audience.whole:
            out.append(mail(*whole, audience.to, masters, audience.name))
        else:
            out.append(department_message(ws, week, audience, brief.lang, db, record=record))
    return out


def deliver_briefs(
    ws: Workspace, messages: list[EmailMessage], send: bool, preview: bool = False
) -> list[DeliveryResult]:
    """Each message queued (or previewed) and, with `send`, sent; a brief already sent to its
    audience is withdrawn. A server that cannot be reached is not tried again for the rest (they
    stay queued); the first MailError is raised once every message is in outbox/."""
    out, error = [], None
    for message in messages:
        down = error is not None and error.key in SERVER_FAILURES
        try:
            out.append(deliver(ws, message, send and not down, preview))
        except MailError as exc:
            error = error or exc
    if error is not None:
        raise error
    return out
