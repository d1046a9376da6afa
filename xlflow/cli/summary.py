"""`xlflow summary`: the weekly progress brief to reports/ and outbox/ (or over SMTP with --send)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from ..i18n import msg
from ..workdays import parse_week
from .app import handle_errors, lang_option, main, open_workspace, workspace_option
from .merge import _as_of as parse_day

if TYPE_CHECKING:
    from ..output.mail import DeliveryResult


def _as_of(week: str | None, as_of: dt.date | None, week_start: int, today: dt.date) -> dt.date:
    if week and as_of:
        raise UsageError("summary-week-and-as-of")
    if as_of:
        return as_of
    if week:
        w = parse_week(week, week_start)
        return min(w.end, today) if w.start <= today else w.end
    return today


def _delivery_line(result: DeliveryResult, lang: str) -> list[str]:
    if result.sent:
        lines = [msg("mail-sent", lang, recipients=", ".join(result.recipients), eml=result.eml)]
        if result.refused:
            lines.append(msg("mail-refused-some", lang, recipients=", ".join(f"{a} ({r})" for a, r in result.refused.items())))
        return lines
    return [msg(result.note, lang, eml=result.eml)]


@main.command()
@workspace_option
@click.option("--week", default=None, metavar="YYYY-Www", help="The week to brief, e.g. 2026-W47. 简报的周。")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Brief the week holding this day (default: today). 以该日期所在的周生成简报。")
@click.option("--send", is_flag=True, help="Send over SMTP ([email] in xlflow.toml); without it the .eml is a preview in outbox/preview/, not "
              "queued. 通过 SMTP 发送；否则邮件仅作为预览保存到 outbox/preview/，不进入发送队列。")
@click.option("--to", "to", multiple=True, metavar="ADDR",
              help="Recipient instead of the configured ones (repeatable). 收件人，可多次。")
@click.option("--remind", is_flag=True, help="Instead of the brief, write a reminder (with its workbook) to each "
              "department that has not submitted this week. 改为提醒本周未提交的部门。")
@lang_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the HTML and Markdown brief (default: WORKSPACE/reports). 简报输出目录。")
@handle_errors
def summary(workspace: Path, week: str | None, as_of: str | None, send: bool, to: tuple[str, ...],
            remind: bool, lang: str | None, out: Path | None) -> None:
    """Write the weekly progress brief and its e-mail. 生成每周进度简报及邮件。"""
    from ..service.weekly import send_reminders, send_weekly_brief
    from ..week.brief import TROUBLE

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    day = _as_of(week, parse_day(as_of), ws.project.week_start, dt.date.today())  # one date message everywhere
    if day > dt.date.today():
        click.echo(msg("summary-as-of-future", lang, day=day.isoformat(), today=dt.date.today().isoformat()), err=True)
    if remind:
        results, skipped = send_reminders(ws, day, send, lang, preview=not send)
        for code in skipped:
            click.echo(msg("summary-reminder-skipped", lang, department=ws.department_of(code).name(lang)))
        for r in results:
            click.echo("\n".join(_delivery_line(r, lang)))
        return
    result = send_weekly_brief(ws, day, send, list(to) or None, lang, out, preview=not send)
    b = result.brief
    click.echo(msg("summary-headline", lang, week=b.week.number, total=b.headline.total, percent=b.headline.percent,
                   trouble=sum(s.count for s in b.headline.statuses if s.code in TROUBLE),
                   overdue=b.headline.overdue, missing=len(b.missing)))
    click.echo(msg("summary-written", lang, html=result.html, text=result.text))
    for delivery in result.deliveries:
        click.echo("\n".join(_delivery_line(delivery, lang)))
