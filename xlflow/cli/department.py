"""`xlflow department retire CODE`: a department leaves the project, its history kept."""
from __future__ import annotations

from pathlib import Path

import click

from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def department() -> None:
    """Departments leaving the project, their history kept.
    部门撤销（保留其历史）。"""


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
