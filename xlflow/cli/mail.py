"""`xlflow mail retry`: send by hand what waits in outbox/ (the watcher does it by itself)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import MailError
from ..i18n import msg
from ..output.mail import retry_outbox, waiting_mails
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def mail() -> None:
    """E-mails waiting in outbox/. 发件箱中的邮件。"""


@mail.command()
@workspace_option
@lang_option
@handle_errors
def retry(workspace: Path, lang: str | None) -> None:
    """Send the e-mails still waiting in outbox/ (exit 1 if the server fails).
    补发发件箱中尚未发出的邮件（服务器失败时返回 1）。"""
    from ..store.lock import workspace_lock

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    outbox = ws.folder("outbox")
    waiting = waiting_mails(ws)
    if not waiting:
        click.echo(msg("mail-retry-nothing", lang, outbox=outbox))
        return
    if not ws.email.configured:
        click.echo(msg("mail-retry-not-configured", lang, count=len(waiting), outbox=outbox))
        return
    with workspace_lock(ws):  # not while a watcher sends the same files
        try:
            sent = retry_outbox(ws)
        except MailError as exc:
            click.echo(msg("mail-retry-failed", lang, count=len(waiting_mails(ws)), error=exc.message(lang)), err=True)
            sys.exit(1)
    left = len(waiting_mails(ws))
    click.echo(msg("mail-retry-done", lang, count=len(sent), left=left))
    if left:
        sys.exit(1)
