"""`xlflow share`: the sharing list, the department slices and calendars, their mails and log."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def share() -> None:
    """Department slices, calendars and who got them. 部门切片、日历与发送记录。"""


@share.command("list")
@workspace_option
@click.option("--department", "department", default=None, help="Only what others see of this department's plan. 只看某部门。")
@lang_option
@handle_errors
def list_(workspace: Path, department: str | None, lang: str | None) -> None:
    """The sharing list in words. 以文字列出共享清单。"""
    from ..share.log import list_lines

    ws = open_workspace(workspace)
    for line in list_lines(ws, lang or ws.lang, department.upper() if department else None):
        click.echo(line)


@share.command("log")
@workspace_option
@click.option("--audience", default=None, help="A department code or an address. 部门代码或邮件地址。")
@click.option("--sha", default=None, help="A file's sha256 (or its start): who got exactly this file. 文件哈希。")
@lang_option
@handle_errors
def log(workspace: Path, audience: str | None, sha: str | None, lang: str | None) -> None:
    """Who got which slice, when, with its hash. 谁在何时收到了哪个切片。"""
    from ..share.log import log_lines

    ws = open_workspace(workspace)
    for line in log_lines(ws, lang or ws.lang, audience, sha):
        click.echo(line)


def _day(value: str | None) -> dt.date:
    from .merge import _as_of

    return _as_of(value) or dt.date.today()


@share.command("publish")
@workspace_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="The week holding this day (default: today). 统计日期。")
@lang_option
@handle_errors
def publish_(workspace: Path, as_of: str | None, lang: str | None) -> None:
    """Write every slice and calendar of the sharing list now (the merge does it itself).
    立即写出共享清单中的全部切片和日历。"""
    from ..share.publish import FILE_FORMATS, slices_folder, write_files
    from ..share.sharing import sharing_list
    from ..week.build import load_week

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    sharing = sharing_list(ws)
    wanted = {a: frozenset(r.format for r in sharing.rules if r.audience == a) & FILE_FORMATS
              for a in sharing.audiences()}
    written = write_files(ws, load_week(ws, _day(as_of)), {a: f for a, f in wanted.items() if f}, lang=lang)
    click.echo(msg("share-published", lang, count=sum(len(p.files) for p in written), folder=slices_folder(ws)))


@share.command("send")
@workspace_option
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="The week holding this day (default: today). 统计日期。")
@click.option("--no-send", is_flag=True, help="Only write the mails to outbox/. 只写入发件箱。")
@lang_option
@handle_errors
def send(workspace: Path, as_of: str | None, no_send: bool, lang: str | None) -> None:
    """Mail each department its slice and calendar, as the watcher does after the brief.
    给各部门发送其切片和日历（监视程序在周报之后自动发送）。"""
    from ..share.mail import send_weekly

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    result = send_weekly(ws, _day(as_of), send=not no_send and ws.email.configured, lang=lang)
    again = [d for d in result.deliveries if d.note == "mail-already-sent"]  # a brief sent already: withdrawn
    sent = sum(1 for d in result.deliveries if d.sent)
    count = len(result.deliveries) - len(again)
    click.echo(msg("share-sent", lang, count=count, sent=msg("share-sent-sent", lang) if sent else ""))
    if again:
        click.echo(msg("weekmail-withdrawn", lang, count=len(again), folder=again[0].eml.parent))
    if result.skipped:
        click.echo(msg("share-skipped", lang, departments=", ".join(result.skipped)))
    if result.folded:
        click.echo(msg("weekmail-folded", lang, departments=", ".join(result.folded)))
    for line in result.errors:
        click.echo(line, err=True)
    if result.errors:
        raise SystemExit(1)
