"""`xlflow rebuild`: the state database made again from the archive and the masters."""
from __future__ import annotations

from pathlib import Path

import click

from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.command("rebuild")
@workspace_option
@click.option("--force", is_flag=True,
              help="Rebuild even when the database is readable (it is moved aside, not deleted). "
                   "数据库完好时也重建（原文件移到一旁保留，不删除）。")
@lang_option
@handle_errors
def rebuild_command(workspace: Path, force: bool, lang: str | None) -> None:
    """Rebuild the state database (xlflow.sqlite) after it was lost or damaged: every archived file
    replayed in the order received, the coordinator's layer read back from master/ and
    master/history/, each past week's record stored again.
    状态数据库丢失或损坏后重建：按接收顺序重放归档中的每个文件，从 master/ 和 master/history/
    读回协调人的输入，重新保存各周的记录。"""
    from ..service.rebuild import rebuild

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    result = rebuild(ws, force=force, lang=lang, say=click.echo)
    for line in result.lines(lang):
        click.echo(line)
