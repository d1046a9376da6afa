"""Mail the portfolio brief with the existing mail code, through the workspace portfolio.toml
names as `mail_workspace` (its [email] settings; the .eml goes to its outbox/)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..config import load_workspace
from ..output.mail import DeliveryResult, compose, deliver
from .brief import brief_html, brief_text, subject
from .build import Portfolio


def mail_brief(
    p: Portfolio, mail_workspace: Path, lang: str, send: bool, to: Iterable[str] = (), attachments: Iterable[Path] = ()
) -> DeliveryResult:
    ws = load_workspace(mail_workspace)
    recipients = list(to) or list(ws.email.to)
    message = compose(
        ws,
        subject(p, lang),
        brief_text(p, lang),
        brief_html(p, lang),
        recipients,
        attachments,
        kind="portfolio",
        lang=lang,
    )
    return deliver(ws, message, send)
