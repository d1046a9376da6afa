"""`xlflow history`, `xlflow revert`, `xlflow accept`: the versions of a department's plan."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option

if TYPE_CHECKING:
    from ..service.versions import VersionResult


@main.command()
@workspace_option
@click.argument("department")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output. 以 JSON 输出。")
@lang_option
@handle_errors
def history(workspace: Path, department: str, as_json: bool, lang: str | None) -> None:
    """Every version of a department's plan, and the files rejected between them.
    某部门计划的所有版本，以及其间被退回的文件。"""
    from ..service.versions import department_history

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    entries = department_history(ws, department, lang)
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo(msg("history-empty", lang, department=department))
    for e in entries:
        line = msg("history-line", lang, version=f"v{e.version}" if e.version else "—",
                   received=ws.show_time(e.received),
                   result=msg(f"history-result-{e.result}", lang), file=e.file_name,
                   update_date=e.update_date.isoformat() if e.update_date else "—",
                   errors=e.errors, warnings=e.warnings)
        click.echo(line + (" " + msg("history-current-mark", lang) if e.current else ""))
        for extra in (e.changes, e.note):
            if extra:
                click.echo(f"      {extra}")


@main.command("revert")
@workspace_option
@click.argument("department")
@click.option("--to", "to_version", type=click.IntRange(min=1), default=None, metavar="VERSION",
              help="The version to restore (default: the one before the current). 要恢复的版本号。")
@lang_option
@handle_errors
def revert_command(workspace: Path, department: str, to_version: int | None, lang: str | None) -> None:
    """Make an earlier version of a department's plan current again (as a new version).
    将某部门计划恢复为较早的版本（记为新版本）。"""
    from ..service.versions import revert

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    _done(revert(ws, department, to_version, dt.date.today(), lang=lang), ws, lang)


@main.command("accept")
@workspace_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--department", required=True, help="The department whose plan this file is. 所属部门。")
@lang_option
@handle_errors
def accept_command(workspace: Path, file: Path, department: str, lang: str | None) -> None:
    """Accept a file the intake refused (an older update date, a shorter plan) as the department's
    current version; it must still pass the checks. 接收被拒收的文件作为该部门的当前版本。"""
    from ..service.versions import accept_file

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    _done(accept_file(ws, file, department, dt.date.today(), lang=lang), ws, lang)


def _done(result: VersionResult, ws, lang: str) -> None:
    from ..service.versions import status_label

    dept = ws.department(result.department)
    if result.unchanged:
        click.echo(msg("accept-no-change", lang, file=result.source, department=dept.name(lang),
                       version=result.version))
        return
    click.echo(msg("version-done", lang, department=dept.name(lang), version=result.version, source=result.source,
                   changes=result.diff.summary(lang, status_label)))
    if result.master:
        click.echo(msg("version-master", lang, path=result.master))
    if result.mail_note:
        click.echo(result.mail_note)
