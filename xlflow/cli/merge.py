"""`xlflow merge`: rebuild the master WBS from the departments' latest valid workbooks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import UsageError
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError("merge-bad-date", value=value) from None


@main.command()
@workspace_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the master here instead of master/ (no dated copy); needed with FILE and for a day "
                   "before the last recorded merge, which record nothing. 输出文件（指定文件合并或补做过去日期时必填，不记录周报）。")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Take this date as today, so the same inputs give the same master; a day before today uses each "
                   "department's version received by its end. 指定统计日期（早于今天时用当天结束时的版本）。")
@lang_option
@handle_errors
def merge(workspace: Path, files: tuple[Path, ...], out: Path | None, as_of: str | None, lang: str | None) -> None:
    """Merge the departments' task sheets into the master WBS.
    合并各部门任务表，生成主任务表。

    Without FILE: the latest accepted workbook of each department. With FILE: exactly
    those, each checked first; a file with errors is left out. A merge of FILE, or for a day
    before the last recorded merge (with that day's versions), writes only --out and records
    nothing: recorded weeks are never rewritten."""
    from ..service.merge import merge_workspace
    from ..service.pastday import check_command

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    given = _as_of(as_of)
    day = given or dt.date.today()
    if day > dt.date.today():  # a merge records the week as of its day: that day must have come
        raise UsageError("merge-as-of-future", day=day.isoformat(), today=dt.date.today().isoformat())
    check_command(ws, given, list(files), out)  # a recorded week is never rewritten: --out for the past
    result = merge_workspace(ws, list(files) or None, as_of=day, out=out, lang=lang,
                             day_versions=given is not None and given < dt.date.today())
    for line in result.summary(lang):
        click.echo(line)
