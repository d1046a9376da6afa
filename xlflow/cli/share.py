"""`xlflow share`: the sharing list, the department slices and calendars, their mails and log."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..share.log import list_lines, log_lines
from . import handle_errors, lang_option, main, open_workspace, workspace_option


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
    ws = open_workspace(workspace)
    for line in log_lines(ws, lang or ws.lang, audience, sha):
        click.echo(line)


def _day(value: str | None) -> dt.date:
    from .merge import _as_of

    return _as_of(value) or dt.date.today()
