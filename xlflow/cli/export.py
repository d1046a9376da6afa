"""`xlflow export mspdi` and `xlflow export tables`: the week's state for MS Project and for BI tools."""
from __future__ import annotations

from pathlib import Path

import click

from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option
from .merge import _as_of

_as_of_option = click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
                             help="The week holding this day, as its newest merge saw it (default: today). "
                                  "导出该日所在周（取最近一次合并）。")


@main.group("export")
def export() -> None:
    """Exports of the week: MS Project XML (mspdi) and tables for BI tools (tables).
    导出本周数据：MS Project XML（mspdi）与 BI 数据表（tables）。"""


@export.command("mspdi")
@workspace_option
@_as_of_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .xml file (default: WORKSPACE/reports/<CODE>-<week>.xml). 输出文件。")
@lang_option
@handle_errors
def mspdi(workspace: Path, as_of: str | None, out: Path | None, lang: str | None) -> None:
    """The master plan as MS Project XML (MSPDI): opens in MS Project, ProjectLibre, GanttProject.
    主计划导出为 MS Project XML，可用 MS Project、ProjectLibre、GanttProject 打开。"""
    from ..export.run import export_mspdi, load

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    r = export_mspdi(ws, load(ws, _today(as_of)), out, lang)
    click.echo(msg("export-mspdi-written", lang, path=r.path, departments=r.departments, tasks=r.tasks,
                   links=r.links, resources=r.resources, exceptions=r.exceptions))


@export.command("tables")
@workspace_option
@_as_of_option
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True,
              help="csv: a UTF-8 file per table; xlsx: one workbook, a sheet per table. 输出格式。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: WORKSPACE/reports/<CODE>-<week>-tables/). 输出目录。")
@lang_option
@handle_errors
def tables(workspace: Path, as_of: str | None, fmt: str, out: Path | None, lang: str | None) -> None:
    """The week as tidy tables for Power BI, FineBI, Tableau (columns: docs/exports.md).
    本周数据导出为规整数据表，供 Power BI、FineBI、Tableau 使用。"""
    from ..export.run import export_tables, load

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    folder, written = export_tables(ws, load(ws, _today(as_of)), out, fmt)
    click.echo(msg("export-tables-written", lang, count=len(written), format=fmt, path=folder))
    for name, (path, rows) in written.items():
        click.echo(msg("export-table-line", lang, table=name, rows=rows, file=path.name))


def _today(value: str | None):
    import datetime as dt

    return _as_of(value) or dt.date.today()
