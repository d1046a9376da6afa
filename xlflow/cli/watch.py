"""`xlflow watch` and `xlflow status`."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from ..config import Workspace
from ..errors import UsageError
from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option

if TYPE_CHECKING:
    from ..service.status import WorkspaceStatus


@main.command()
@workspace_option
@click.option("--poll", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Poll the inbox every SECONDS instead of OS events (network shares, synced folders). "
                   "轮询间隔（网络共享盘、同步盘用）。")
@click.option("--once", is_flag=True, help="Process what is in the inbox now, then exit (cron, Task Scheduler). "
                                            "处理收件箱中现有文件后退出。")
@click.option("--unattended", is_flag=True,
              help="Run by Task Scheduler or a service (`xlflow service install` sets it): refuses an inbox on a "
                   "mapped drive letter, which exists only in an interactive logon. 无人值守运行（计划任务、服务）。")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD[THH:MM]",
              help="With --once: process the files as if on that day (merge as of it, received then), to replay "
                   "a project's life. 与 --once 同用：按那一天处理（回放项目）。")
@lang_option
@handle_errors
def watch(workspace: Path, poll: float | None, once: bool, unattended: bool, as_of: str | None,
          lang: str | None) -> None:
    """Watch the inbox: archive, check, accept or reject each file, re-merge, tell the submitter.
    With --once the exit code is 0 when every file was processed or is only waiting (still being
    written, open in Excel), 1 when a file failed (or the inbox was not reachable).
    监视收件箱：归档、校验、接收或退回、更新总表、通知提交人。--once 时：全部处理完或仅有文件在等待
    （仍在写入、被打开）返回 0；有文件处理失败（或收件箱不可访问）返回 1。"""
    from ..store.lock import mapped_drive, workspace_lock
    from ..watcher import Watcher, setup_logging, stop_on_signals

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    replay = _replay_clock(ws, as_of, once)
    for folder in (ws.root, ws.folder("inbox")) if unattended else ():
        if drive := mapped_drive(folder):
            raise UsageError("watch-mapped-drive-unattended", folder=folder, drive=drive)
    log = setup_logging(ws)
    with workspace_lock(ws):
        watcher = Watcher(ws, poll=poll, lang=lang, log=log, **replay)
        with stop_on_signals(watcher):
            if once:
                watcher.run_once()
                if watcher.failed:
                    sys.exit(1)
            else:
                watcher.run(schedule=True)


def _replay_clock(ws: Workspace, as_of: str | None, once: bool) -> dict:
    """--as-of: the merge's day and the received time: that day at the time of day now, so files keep
    their order, or the exact time given, in the project's time zone."""
    if as_of is None:
        return {}
    if not once:
        raise UsageError("watch-as-of-needs-once")
    try:
        when = dt.datetime.fromisoformat(as_of)
    except ValueError:
        raise UsageError("watch-bad-as-of", value=as_of) from None
    exact = "T" in as_of or " " in as_of
    zone = ZoneInfo(ws.project.timezone) if ws.project.timezone else None

    def clock() -> dt.datetime:
        now = ws.local(dt.datetime.now().astimezone()).replace(tzinfo=None)
        moment = when if exact else dt.datetime.combine(when.date(), now.time())
        if moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=zone) if zone else moment.astimezone()

    return {"today": when.date, "clock": clock}


@main.command()
@workspace_option
@lang_option
@handle_errors
def status(workspace: Path, lang: str | None) -> None:
    """Who submitted what and when, who has not submitted this week, and the last merge.
    谁在何时提交了什么、本周谁还没提交、最近一次合并。"""
    from ..service.status import workspace_status

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    for line in status_lines(ws, workspace_status(ws, dt.datetime.now().astimezone()), lang):
        click.echo(line)
    from ..chat.status import status_lines as chat_lines

    for line in chat_lines(ws, lang):  # each group robot's state, one line each
        click.echo(line)


def status_lines(ws: Workspace, st: WorkspaceStatus, lang: str) -> list[str]:
    """The report `xlflow status` prints, one line per item."""
    from ..service.status import LATE_WEEKS

    lines = [msg("status-title", lang, project=ws.project.name(lang), code=ws.project.code,
                 now=ws.show_time(st.now) + (msg("master-time-zone", lang, zone=ws.project.timezone)
                                             if ws.project.timezone else "")), "", msg("status-latest", lang)]
    if st.unrecorded:  # the database was lost and made anew: first of all, rebuild it
        lines[1:1] = [msg("status-db-lost", lang, count=st.unrecorded, db=ws.state_db), ""]
    for row in st.departments:
        d, s = row.department, row.latest
        if s is None:
            lines.append(msg("status-row-none", lang, department=d.code, name=d.name(lang)))
            continue
        lines.append(msg("status-row", lang, department=d.code, name=d.name(lang), file=s.file_name,
                         received=ws.show_time(s.received), result=msg(f"watch-result-{s.result}", lang),
                         version="-" if row.version is None else row.version))
    week = st.week_start.isoformat()
    lines.append("")
    lines.append(msg("status-missing-week", lang, week_start=week, departments=", ".join(st.not_submitted))
                 if st.not_submitted else msg("status-all-submitted", lang, week_start=week))
    merge = st.last_merge
    lines.append(msg("status-last-merge", lang, created=ws.show_time(merge.created), as_of=merge.as_of.isoformat(),
                     tasks=merge.task_count, master=merge.master_path) if merge else msg("status-no-merge", lang))
    if st.mismatches:
        lines += ["", msg("status-accepted-mismatch", lang, count=len(st.mismatches))]
        lines += [f"  {m.line(lang)}" for m in st.mismatches] + [f"  {msg('accepted-mismatch-advice', lang)}"]
    if st.pending:
        lines.append(msg("status-pending", lang, count=st.pending))
    if st.not_removed:
        lines.append(msg("status-not-removed", lang, count=len(st.not_removed), inbox=ws.folder("inbox"),
                         files=", ".join(f"{name} ({why})" for name, why in st.not_removed)))
    if st.outbox:
        key = "status-outbox" if ws.email.configured else "status-outbox-by-hand"
        lines.append(msg(key, lang, count=st.outbox, outbox=ws.folder("outbox")))
    if st.late:
        lines += ["", msg("status-late", lang, count=len(st.late), weeks=LATE_WEEKS)]
        lines += [msg("status-late-row", lang, department=s.department, week=s.data_week.label,
                      received=ws.show_time(s.received), deadline=ws.show_time(s.deadline),
                      file=s.file_name) for s in st.late]
    if st.recent:
        lines += ["", msg("status-recent", lang, count=len(st.recent))]
        lines += [msg("status-recent-row", lang, received=ws.show_time(s.received), department=s.department or "?",
                      file=s.file_name, result=msg(f"watch-result-{s.result}", lang), errors=s.errors,
                      warnings=s.warnings) for s in st.recent]
    return lines
