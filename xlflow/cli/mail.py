"""`xlflow mail retry`: send by hand what waits in outbox/ (the watcher does it by itself)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import MailError
from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option

if TYPE_CHECKING:
    from ..output.mail import RetryResult


@main.group()
def mail() -> None:
    """E-mails waiting in outbox/. 发件箱中的邮件。"""


@mail.command()
@workspace_option
@lang_option
@click.option("--dry-run", is_flag=True, help="Show what would be sent, held and withdrawn; change nothing. "
              "只显示将发送、暂缓和撤回的邮件，不做改动。")
@click.option("--held", "include_held", is_flag=True, help="Also send the messages held for being old "
              "([email] hold_after_hours). 同时发送因过旧而暂缓的邮件。")
@handle_errors
def retry(workspace: Path, lang: str | None, dry_run: bool, include_held: bool) -> None:
    """Send the e-mails still waiting in outbox/ (exit 1 if the server fails). A message a later
    event made wrong is withdrawn, an old one held (listed, not sent).
    补发发件箱中尚未发出的邮件（服务器失败时返回 1）；已被后续事件否定的邮件撤回，过旧的邮件暂缓。"""
    from ..output.mail import retry_outbox
    from ..output.outbox import waiting_mails
    from ..store.lock import workspace_lock

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    outbox = ws.folder("outbox")
    waiting = waiting_mails(ws)
    if not waiting:
        click.echo(msg("mail-retry-nothing", lang, outbox=outbox))
        return
    if not ws.email.configured and not dry_run:
        click.echo(msg("mail-retry-not-configured", lang, count=len(waiting), outbox=outbox))
        return
    if dry_run:
        _show(retry_outbox(ws, include_held, dry_run=True), lang)
        return
    with workspace_lock(ws):  # not while a watcher sends the same files
        try:
            result = retry_outbox(ws, include_held)
        except MailError as exc:
            click.echo(msg("mail-retry-failed", lang, count=len(waiting_mails(ws)), error=exc.message(lang)), err=True)
            sys.exit(1)
    _show(result, lang)
    left = len(waiting_mails(ws)) - len(result.held)
    click.echo(msg("mail-retry-done", lang, count=len(result.sent), left=left))
    if left:
        sys.exit(1)


def _show(result: RetryResult, lang: str) -> None:
    """What goes (in a dry run), what was withdrawn and why, what is held and how to send it."""
    from ..output.outbox import judged_line

    for d in result.sent:
        if d.note == "mail-would-send":
            click.echo(msg("mail-would-send", lang, file=d.eml.name, recipients=", ".join(d.recipients)))
    for judged in result.withdrawn + result.held:
        click.echo(judged_line(judged, lang))
    if result.held:
        click.echo(msg("mail-held-advice", lang, count=len(result.held)))
