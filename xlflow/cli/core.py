"""Core commands: init, generate, demo."""
from __future__ import annotations

from pathlib import Path

import click

from ..config import FOLDERS
from ..errors import UsageError
from ..i18n import default_lang, msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the workspace (default: XLFLOW_LANG, else the locale; with --sample, the "
                   "sample's). 工作区语言（默认取 XLFLOW_LANG 或系统区域设置）。")
@click.option("--sample", is_flag=True, help="Fill it with the sample project. 使用示例项目。")
@click.option("--force", is_flag=True, help="Overwrite an existing xlflow.toml. 覆盖已有配置。")
@click.option("--department-folders", is_flag=True,
              help="A drop folder per department, inbox/<CODE>/ (the share's permissions decide who writes where). "
                   "每个部门一个投递文件夹。")
@click.option("--lessons", "lessons", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The organisation's lessons register: show the lessons of similar projects. 经验库。")
@handle_errors
def init(directory: Path, lang: str | None, sample: bool, force: bool, department_folders: bool,
         lessons: Path | None) -> None:
    """Create a workspace: xlflow.toml and its folders. 创建工作区。"""
    from ..service import dropfolders
    from ..service.scaffold import init_workspace

    if lang is None:
        from ..demo import sample_language

        lang = sample_language() if sample else default_lang()
    ws = init_workspace(directory, lang, sample, force, department_folders=department_folders)
    _show_lessons(ws, lessons, lang)
    click.echo(msg("init-done", lang, root=ws.root, folders=", ".join(f"{f}/" for f in FOLDERS)))
    if dropfolders.enabled(ws):
        click.echo(msg("drop-init-folders", lang, folders=", ".join(
            dropfolders.folder_label(ws, d.code) for d in ws.departments)))
    click.echo(msg("init-next", lang, root=directory))


@main.command()
@workspace_option
@click.option("-d", "--department", "departments", multiple=True, metavar="CODE",
              help="Department code (repeatable). 部门代码，可多次。")
@click.option("--all", "all_departments", is_flag=True, help="Every department. 全部部门。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: WORKSPACE/workbooks). 输出目录。")
@lang_option
@handle_errors
def generate(workspace: Path, departments: tuple[str, ...], all_departments: bool, out: Path | None,
             lang: str | None) -> None:
    """Write one blank workbook per department. 为每个部门生成工作簿。"""
    from ..output.department import generate_workbook, workbook_name
    from ..service import dropfolders
    from ..share.log import list_lines

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    codes = ", ".join(d.code for d in ws.departments)
    if not departments and not all_departments:
        raise UsageError("generate-choose", codes=codes)
    chosen = [d.code for d in ws.departments] if all_departments else [c.upper() for c in departments]
    for code in chosen:
        if ws.department(code) is None:
            raise UsageError("generate-unknown-department", code=code, codes=codes)
    chosen = list(dict.fromkeys(ws.department_of(c).code for c in chosen))  # a code it had before a rename: its new one
    out = out or ws.root / "workbooks"
    made = {f.name for f in dropfolders.make_department_folders(ws)}
    for code in chosen:
        path = generate_workbook(ws, code, lang, out / workbook_name(ws, code, lang),
                                 sharing=list_lines(ws, lang, code))
        click.echo(msg("generate-done", lang, department=ws.department_of(code).name(lang), path=path))
        if dropfolders.enabled(ws):
            key = "drop-generate-folder" if code in made else "drop-generate-folder-missing"
            click.echo(msg(key, lang, folder=dropfolders.folder_label(ws, code)))
    key = "generate-summary-folders" if dropfolders.enabled(ws) else "generate-summary"
    click.echo(msg(key, lang, count=len(chosen), out=out, inbox=ws.shown_drop_folder()))


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("xlflow-demo"))
@lang_option
@handle_errors
def demo(directory: Path, lang: str | None) -> None:
    """Run the whole product on the sample project, in the sample's language unless --lang.
    用示例项目演示全流程（默认使用示例的语言）。"""
    from ..demo import run_demo, sample_language

    run_demo(directory, lang or sample_language(), click.echo)


def _show_lessons(ws, register: Path | None, lang: str) -> None:
    """The guide: read the last similar projects' lessons at the kick-off."""
    from ..closeout.lessons import kickoff_lessons

    path, found = kickoff_lessons(ws, register)
    if path is None:
        return
    if not found:
        click.echo(msg("init-lessons-none", lang, register=path))
        return
    click.echo(msg("init-lessons-title", lang, register=path))
    for lesson in found[:12]:
        click.echo(msg("init-lessons-line", lang, project=lesson.project, closed_on=lesson.closed_on or "—",
                       department=lesson.department, category=msg(f"close-cat-{lesson.category}", lang)
                       if lesson.category in ("highlight", "problem", "improvement") else lesson.category,
                       text=" — ".join(filter(None, (lesson.what, lesson.why, lesson.recommendation)))))
