"""`xlflow department retire CODE` / `rename OLD NEW`: a department leaves the project or changes its
code, its history kept."""
from __future__ import annotations

from pathlib import Path

import click

from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def department() -> None:
    """Departments leaving the project or renamed, their history kept.
    部门撤销或改名（保留其历史）。"""


@department.command("retire")
@workspace_option
@click.argument("code")
@lang_option
@handle_errors
def retire(workspace: Path, code: str, lang: str | None) -> None:
    """Retire department CODE: its versions, archive and past briefs are kept, its accepted workbook
    moves to accepted/retired/ and later merges leave its tasks out; then delete its table from
    xlflow.toml as the command says.
    撤销部门：保留其版本、归档和过去的周报，之后的合并不再包含它的任务。"""
    from ..service.departments import retire as retire_department

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    for line in retire_department(ws, code).lines(ws, lang):
        click.echo(line)


@department.command("rename")
@workspace_option
@click.argument("old")
@click.argument("new")
@lang_option
@handle_errors
def rename(workspace: Path, old: str, new: str, lang: str | None) -> None:
    """Rename department OLD to NEW: its versions continue as NEW's, its workbooks stamped OLD and its
    task IDs stay valid, past briefs keep OLD; run it first, then change the code in xlflow.toml as the
    command says.
    部门改名：其版本作为新代码的历史继续，旧工作簿和任务编号仍然有效；先运行此命令，再按提示修改 xlflow.toml。"""
    from ..service.renaming import rename as rename_department

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    for line in rename_department(ws, old, new).lines(ws, lang):
        click.echo(line)
