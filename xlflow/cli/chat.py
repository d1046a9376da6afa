"""`xlflow chat test [NAME]` and `xlflow chat send`: the group-chat robots by hand."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.group()
def chat() -> None:
    """Group-chat robots (DingTalk, WeCom, Feishu). 群机器人（钉钉、企业微信、飞书）。"""


@chat.command("test")
@click.argument("name", required=False)
@workspace_option
@lang_option
@handle_errors
def test_cmd(name: str | None, workspace: Path, lang: str | None) -> None:
    """Send one test message and print the platform's answer; re-opens a stopped group on success.
    发送一条测试消息并显示平台的答复；成功后恢复已停发的群。"""
    from ..chat.probe import probe
    from ..chat.status import status_lines

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    failed = False
    for r in probe(ws, name, lang):
        key = "chat-test-ok" if r.ok else "chat-test-failed"
        click.echo(msg(key, lang, name=r.channel.name, vendor=r.channel.vendor, url=r.channel.masked, answer=r.answer))
        if r.reopened:
            click.echo(msg("chat-test-reopened", lang, name=r.channel.name))
        failed = failed or not r.ok
    for line in status_lines(ws, lang):
        click.echo(line)
    if failed:
        sys.exit(1)


@chat.command("send")
@workspace_option
@lang_option
@handle_errors
def send_cmd(workspace: Path, lang: str | None) -> None:
    """Send what waits in the chat outbox now, paced under each platform's rate.
    立即发送群消息发件箱中的消息（按平台限速）。"""
    from ..chat.runner import outbox, send_now
    from ..chat.status import status_lines

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    stats = send_now(ws)
    left = sum(r["state"] in ("queued", "sending") for r in outbox(ws).rows())
    click.echo(msg("chat-send-done", lang, sent=stats.sent, retries=stats.retries, left=left))
    for line in status_lines(ws, lang):
        click.echo(line)
    if stats.stopped:
        sys.exit(1)
