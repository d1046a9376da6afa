"""`xlflow service install|remove|status|files`: the watcher as a Windows Task Scheduler task."""
from __future__ import annotations

from pathlib import Path

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def service() -> None:
    """Run `xlflow watch` unattended on Windows (Task Scheduler). 在 Windows 上无人值守运行 watch（任务计划程序）。"""


@service.command()
@workspace_option
@click.option("--user", default=None, metavar="DOMAIN\\NAME",
              help="Run as this account, logged on or not (default: you); schtasks asks its password. "
                   "运行账户（默认当前用户），密码由 schtasks 询问。")
@lang_option
@handle_errors
def install(workspace: Path, user: str | None, lang: str | None) -> None:
    """Register the task: at start-up and logon, restarted on failure. 注册任务：开机和登录时启动，失败后重启。"""
    from ..service import wintask

    ws = open_workspace(workspace)
    wintask.require_windows()
    user = user or wintask.current_user()
    name = wintask.install(ws, user)
    click.echo(msg("service-installed", lang or ws.lang, name=name, user=user, log=ws.root / "logs" / "watch.log"))


@service.command()
@workspace_option
@lang_option
@handle_errors
def remove(workspace: Path, lang: str | None) -> None:
    """Delete the task. 删除任务。"""
    from ..service import wintask

    ws = open_workspace(workspace)
    click.echo(msg("service-removed", lang or ws.lang, name=wintask.remove(ws)))


@service.command()
@workspace_option
@lang_option
@handle_errors
def status(workspace: Path, lang: str | None) -> None:
    """Whether the task runs, and its last result. 任务是否在运行及上次结果。"""
    from ..service import wintask

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    st = wintask.status(ws)
    if st is None:
        click.echo(msg("service-not-installed", lang, name=wintask.task_name(ws)))
        return
    click.echo(msg("service-status", lang, name=st.name, status=st.status, last_run=st.last_run,
                   result=st.last_result))


@service.command()
@workspace_option
@click.option("--user", default=None, metavar="DOMAIN\\NAME", help="The account in the files. 文件中的账户。")
@lang_option
@handle_errors
def files(workspace: Path, user: str | None, lang: str | None) -> None:
    """Write the task XML and WinSW's service XML into .xlflow/ to review or use (any system).
    写出任务 XML 与 WinSW 服务 XML（任何系统均可）。"""
    from ..service import wintask

    ws = open_workspace(workspace)
    user = user or wintask.current_user() or "DOMAIN\\user"
    task, winsw = wintask.write_task(ws, user), wintask.write_winsw(ws, user)
    click.echo(msg("service-files", lang or ws.lang, task=task, winsw=winsw))
