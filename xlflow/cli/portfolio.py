"""`xlflow portfolio`: many workspaces read read-only into portfolio.xlsx and a brief."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import UsageError
from ..i18n import default_lang, msg
from .app import handle_errors, lang_option, main


@main.command()
@click.argument("directories", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="portfolio.toml: workspaces, department mapping, thresholds. 组合配置文件。")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("portfolio.xlsx"),
              show_default=True, help="The workbook to write; the brief goes beside it. 输出工作簿。")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Judge every project on this day (default: today). 统计日期。")
@click.option("--send", is_flag=True, help="Mail the brief through mail_workspace's [email] settings. 发送简报邮件。")
@click.option("--to", "to", multiple=True, metavar="ADDR", help="Recipient (repeatable). 收件人。")
@lang_option
@handle_errors
def portfolio(directories: tuple[Path, ...], config: Path | None, out: Path, as_of: dt.datetime | None,
              send: bool, to: tuple[str, ...], lang: str | None) -> None:
    """Read many workspaces (read-only) into portfolio.xlsx and a brief. 多项目组合视图（只读）。"""
    from ..portfolio.book import entry_note, write_portfolio
    from ..portfolio.brief import brief_html, brief_text
    from ..portfolio.build import build_portfolio
    from ..portfolio.settings import load_settings
    from ..store.atomic import write_bytes

    settings = load_settings(config)
    roots = [*directories, *settings.workspaces]
    if not roots:
        raise UsageError("pf-no-workspaces")
    day = as_of.date() if as_of else dt.date.today()
    p = build_portfolio(roots, settings, day)
    lang = lang or settings.language or next((e.read.ws.lang for e in p.entries if e.read.ws), None) or default_lang()
    write_portfolio(p, out, lang)
    stem = out.with_name(f"{out.stem}-brief-{day.isoformat()}")
    html_path, text_path = stem.with_suffix(".html"), stem.with_suffix(".md")
    write_bytes(html_path, brief_html(p, lang).encode("utf-8"))
    write_bytes(text_path, brief_text(p, lang).encode("utf-8"))
    for e in p.entries:
        if e.row is None:
            click.echo(msg("pf-line-unreadable", lang, project=e.code, why=entry_note(e, lang)))
        else:
            click.echo(msg("pf-line", lang, project=e.code, health=msg(f"pf-health-{e.row.health}", lang),
                           percent=e.row.percent, tasks=e.row.tasks, overdue=e.row.overdue, trouble=e.row.trouble,
                           missing=len(e.row.not_submitted)))
    click.echo(msg("pf-written", lang, out=out, html=html_path, text=text_path))
    if send or to:
        if settings.mail_workspace is None:
            raise UsageError("pf-no-mail-workspace")
        from ..portfolio.mail import mail_brief

        result = mail_brief(p, settings.mail_workspace, lang, send, to, [out])
        key = "pf-mail-sent" if result.sent else (result.note or "pf-mail-outbox")
        click.echo(msg(key, lang, eml=result.eml, recipients=", ".join(result.recipients)))
