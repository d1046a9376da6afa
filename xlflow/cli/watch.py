"""`xlflow watch` and `xlflow status`."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..store.state import StateDB
from . import handle_errors, lang_option, main, open_workspace, workspace_option


@main.command()
@workspace_option
@click.option("--poll", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="Poll the inbox every SECONDS instead of OS events (network shares, synced folders). "
                   "轮询间隔（网络共享盘、同步盘用）。")
@click.option("--once", is_flag=True, help="Process what is in the inbox now, then exit (cron, Task Scheduler). "
                                            "处理收件箱中现有文件后退出。")
@lang_option
@handle_errors
def watch(workspace: Path, poll: float | None, once: bool, lang: str | None) -> None:
    """Watch the inbox: archive, check, accept or reject each file, re-merge, tell the submitter.
    监视收件箱：归档、校验、接收或退回、更新总表、通知提交人。"""
    from ..watcher import Watcher, setup_logging, stop_on_signals, workspace_lock

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    log = setup_logging(ws)
    with workspace_lock(ws):
        watcher = Watcher(ws, poll=poll, lang=lang, log=log)
        with stop_on_signals(watcher):
            if once:
                watcher.run_once()
            else:
                watcher.run(schedule=True)


@main.command()
@workspace_option
@lang_option
@handle_errors
def status(workspace: Path, lang: str | None) -> None:
    """Who submitted what and when, who has not submitted this week, and the last merge.
    谁在何时提交了什么、本周谁还没提交、最近一次合并。"""
    ws = open_workspace(workspace)
    lang = lang or ws.lang
    for line in status_lines(ws, lang, dt.datetime.now().astimezone()):
        click.echo(line)


def status_lines(ws, lang: str, now: dt.datetime) -> list[str]:
    from ..i18n import msg

    db = StateDB(ws.state_db)
    subs = db.submissions()
    accepted = db.accepted()
    latest: dict[str, dict] = {}
    for s in subs:
        if s["department"]:
            latest[s["department"]] = s
    today = now.date()
    week_start = today - dt.timedelta(days=(today.weekday() - ws.project.week_start) % 7)
    lines = [msg("status-title", lang, project=ws.project.name(lang), code=ws.project.code,
                 now=now.isoformat(timespec="minutes")), "", msg("status-latest", lang)]
    for d in ws.departments:
        s = latest.get(d.code)
        if s is None:
            lines.append(msg("status-row-none", lang, department=d.code, name=d.name(lang)))
            continue
        lines.append(msg("status-row", lang, department=d.code, name=d.name(lang), file=s["file_name"],
                         received=s["received"], result=msg(f"watch-result-{s['result']}", lang),
                         version=accepted.get(d.code, {}).get("version", "-")))
    week = {s["department"] for s in db.submissions(since=week_start) if s["result"] != "duplicate"}
    missing = [d.code for d in ws.departments if d.code not in week]
    lines.append("")
    lines.append(msg("status-missing-week", lang, week_start=week_start.isoformat(), departments=", ".join(missing))
                 if missing else msg("status-all-submitted", lang, week_start=week_start.isoformat()))
    merge = db.last_merge()
    lines.append(msg("status-last-merge", lang, created=merge["created"], as_of=merge["as_of"].isoformat(),
                     tasks=merge["task_count"], master=merge["master_path"]) if merge else msg("status-no-merge", lang))
    waiting = [e for e in db.inbox_entries() if e.state != "done"]
    if waiting:
        lines.append(msg("status-pending", lang, count=len(waiting)))
    recent = subs[-10:]
    if recent:
        lines += ["", msg("status-recent", lang, count=len(recent))]
        lines += [msg("status-recent-row", lang, received=s["received"], department=s["department"] or "?",
                      file=s["file_name"], result=msg(f"watch-result-{s['result']}", lang), errors=s["errors"],
                      warnings=s["warnings"]) for s in reversed(recent)]
    return lines
