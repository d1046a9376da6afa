"""`xlflow baseline`: the coordinator's named whole-project baselines (set, list, show) and the
per-task baselines (show without a name). `-w` and `--lang` go before or after the subcommand."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace
from .merge import _as_of

if TYPE_CHECKING:
    from ..features.control.baselines import Baseline

_ws_option = click.option("-w", "--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path),
                          default=None, help="Workspace folder (holds xlflow.toml). 工作区目录。")


@main.group("baseline")
@_ws_option
@lang_option
@click.pass_context
def baseline(ctx: click.Context, workspace: Path | None, lang: str | None) -> None:
    """Baselines: the plan as agreed. set NAME [--as-of DATE], list, show [NAME].
    基线：约定的计划。set 名称 [--as-of 日期]、list、show [名称]。"""
    ctx.meta["baseline"] = {"workspace": workspace, "lang": lang}


def _common(workspace: Path | None, lang: str | None) -> tuple[Path, str | None]:
    group = click.get_current_context().meta.get("baseline", {})
    return workspace or group.get("workspace") or Path("."), lang or group.get("lang")


@baseline.command("set")
@_ws_option
@click.argument("name")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The plan as the newest merge on or before this day saw it (default: the newest merge). "
                   "取该日（含）之前最近一次合并的计划。")
@lang_option
@handle_errors
def set_command(workspace: Path | None, name: str, as_of: str | None, lang: str | None) -> None:
    """Keep the whole project's plan as a named baseline (never overwritten). 设定命名基线（不会覆盖）。"""
    from ..features.control.commands import set_named
    from ..store.state import StateDB

    workspace, lang = _common(workspace, lang)
    ws = open_workspace(workspace)
    lang = lang or ws.lang
    made = set_named(StateDB(ws.state_db), name, _as_of(as_of))
    click.echo(msg("baseline-set", lang, name=made.name, as_of=made.as_of.isoformat(), tasks=made.tasks))


@baseline.command("list")
@_ws_option
@lang_option
@handle_errors
def list_command(workspace: Path | None, lang: str | None) -> None:
    """Every named baseline. 列出所有命名基线。"""
    from ..features.control.baselines import Baselines
    from ..store.state import StateDB

    workspace, lang = _common(workspace, lang)
    ws = open_workspace(workspace)
    lang = lang or ws.lang
    found = Baselines(StateDB(ws.state_db)).list_named()
    if not found:
        click.echo(msg("baseline-list-empty", lang))
    for n in found:
        click.echo(msg("baseline-list-line", lang, name=n.name, as_of=n.as_of.isoformat(),
                       created=n.created.strftime("%Y-%m-%d %H:%M"), tasks=n.tasks))


@baseline.command("show")
@_ws_option
@click.argument("name", required=False)
@lang_option
@handle_errors
def show_command(workspace: Path | None, name: str | None, lang: str | None) -> None:
    """A named baseline's tasks; without NAME, every task's current baseline and where it comes from.
    显示命名基线的任务；不给名称则显示每个任务当前的基线及其来源。"""
    from ..features.control.baselines import Baselines
    from ..features.control.commands import named_or_fail
    from ..store.state import StateDB

    workspace, lang = _common(workspace, lang)
    ws = open_workspace(workspace)
    lang = lang or ws.lang
    db = StateDB(ws.state_db)
    if name:
        head, tasks = named_or_fail(db, name)
        click.echo(msg("baseline-show-named", lang, name=head.name, as_of=head.as_of.isoformat(), tasks=head.tasks))
    else:
        tasks = Baselines(db).current()
        click.echo(msg("baseline-show-current", lang, tasks=len(tasks)))
    for b in tasks.values():
        click.echo(_line(b, lang, named=bool(name)))


def _line(b: Baseline, lang: str, named: bool) -> str:
    from ..workdays import day_text

    source = "" if named else (b.reason if b.from_change else msg(f"baseline-reason-{b.reason}", lang))
    return msg("baseline-task-line", lang, task=b.task_id, department=b.department, start=day_text(b.start),
               due=day_text(b.due), owner=b.owner or "—",
               source=f" · {source} ({b.set_at.strftime('%Y-%m-%d')})" if source else "")
