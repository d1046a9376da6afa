"""Close-out commands: close, reopen, verify-archive (xlflow/closeout/)."""
from __future__ import annotations

import datetime as dt
import sys
import zipfile
from pathlib import Path

import click

from ..errors import XlflowError
from ..i18n import default_lang, msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.command()
@workspace_option
@click.option("--force", is_flag=True, help="Close even with BLOCK items; they are recorded in the final report. "
              "存在阻断项也关闭，并记入最终报告。")
@click.option("--check", "check_only", is_flag=True, help="Only print the readiness report. 只输出就绪检查。")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The closing day (default: today). 关闭日期。")
@lang_option
@handle_errors
def close(workspace: Path, force: bool, check_only: bool, as_of: dt.datetime | None, lang: str | None) -> None:
    """Close the project: readiness, final report, lessons, freeze, archive pack. 项目收尾关闭。"""
    from ..closeout.close import close_project, readiness_of

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    day = as_of.date() if as_of else dt.date.today()
    if check_only:
        readiness = readiness_of(ws, day)[2]
        _print_readiness(readiness, lang)
        sys.exit(1 if readiness.blocks else 0)
    result = close_project(ws, day, force, lang)
    _print_readiness(result.readiness, lang)
    if not result.closed:
        click.echo(msg("close-blocked", lang, count=len(result.readiness.blocks)), err=True)
        sys.exit(1)
    if result.closure is not None and result.closure.forced:
        click.echo(msg("close-forced", lang, count=result.closure.blocks))
    click.echo(msg("close-done", lang, date=day.isoformat(), report=result.report, lessons=result.lessons,
                   archive=result.archive, members=result.members))
    if result.register is not None:
        click.echo(msg("close-register-appended", lang, path=result.register, count=result.lesson_count))
    else:
        click.echo(msg("close-no-register", lang))


def _print_readiness(readiness, lang: str) -> None:
    if readiness.no_cancelled and any(i.kind == "task" for i in readiness.items):
        click.echo(msg("close-no-cancelled", lang))
    for item in readiness.items:
        click.echo(item.line(lang))
    if not readiness.items:
        click.echo(msg("close-ready-none", lang))


@main.command()
@workspace_option
@click.option("--reason", default="", help="Why it is reopened (logged). 重新打开的原因（记入日志）。")
@lang_option
@handle_errors
def reopen(workspace: Path, reason: str, lang: str | None) -> None:
    """Reopen a closed project; the reopen is logged. 重新打开已关闭的项目。"""
    from ..closeout.close import reopen_project

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    undone = reopen_project(ws, reason)
    click.echo(msg("reopen-done", lang, date=undone.closed_on.isoformat(), log=ws.root / ".xlflow" / "closeout.log"))


@main.command("verify-archive")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@lang_option
@handle_errors
def verify_archive_command(file: Path, lang: str | None) -> None:
    """Check an archive pack against its SHA-256 manifest. 校验归档包。"""
    from ..closeout.archive import verify_archive

    lang = lang or default_lang()
    try:
        count, problems = verify_archive(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise XlflowError("verify-not-zip", file=str(file), error=str(exc)) from None
    for p in problems:
        click.echo(msg(f"verify-{p.kind}", lang, member=p.member))
    if problems:
        click.echo(msg("verify-failed", lang, count=len(problems)), err=True)
        sys.exit(1)
    click.echo(msg("verify-ok", lang, count=count))
