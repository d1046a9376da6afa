"""The command group `main` and what every command uses: the workspace and language options and
handle_errors, which turns library errors into a message and an exit code. The command modules
import this module and register their commands on `main`; the package imports them all."""
from __future__ import annotations

import errno
import functools
import os
import sqlite3
import sys
from pathlib import Path

import click

from xlflow import __version__

from ..config import Workspace, configured_language, load_workspace
from ..errors import XlflowError
from ..i18n import default_lang, msg


class Context:
    def __init__(self, lang: str | None) -> None:
        self.lang_option = lang

    def lang(self, ws: Workspace | None = None) -> str:
        return self.lang_option or (ws.lang if ws else default_lang())


def setup_streams() -> None:
    """Before click parses anything (`--help` prints Chinese): a console gets what it can show and
    `?` for the rest; a file or a pipe gets UTF-8 (a scheduled `xlflow watch --once > log.txt` on an
    English Windows would otherwise write cp1252, every Chinese character a `?`). An explicit
    PYTHONIOENCODING is kept."""
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue
        try:
            console = stream.isatty()
        except (OSError, ValueError):
            console = False
        if console or os.environ.get("PYTHONIOENCODING"):
            stream.reconfigure(errors="replace")
        else:
            stream.reconfigure(encoding="utf-8", errors="replace")


class XlflowGroup(click.Group):
    """The command group; sets up the real streams (not a test runner's) before parsing."""

    def main(self, *args, **kwargs):
        if sys.stdout is sys.__stdout__:
            setup_streams()
        return super().main(*args, **kwargs)


@click.group(cls=XlflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlflow")
@click.pass_context
def main(ctx: click.Context) -> None:
    """xlflow — run cross-department projects on plain Excel files.
    xlflow：用普通 Excel 文件运行跨部门协作项目。"""
    ctx.obj = Context(None)


workspace_option = click.option(
    "-w", "--workspace", "workspace", type=click.Path(file_okay=False, path_type=Path),
    default=Path("."), show_default=True, help="Workspace folder (holds xlflow.toml). 工作区目录。")
lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                           help="Language of the output (default: the workspace's). 输出语言。")


def handle_errors(func):
    """Turn XlflowError into its message and exit code; everything else is a bug and shows as one."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a reader that stopped early fails the write here, not at exit
            return result
        except OSError as exc:
            if not _reader_gone(exc):
                raise
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            sys.exit(0)

    return _errors(wrapper, func)


def _reader_gone(exc: OSError) -> bool:
    """`xlflow status | head` (or `| more`): the reader has what it wanted. POSIX says so with a
    broken pipe; Windows with EINVAL on the write to stdout (no file name: not a file's error),
    after which the stream has dropped what it held, so nothing tells it apart later."""
    if isinstance(exc, BrokenPipeError):
        return True
    if exc.errno != errno.EINVAL or exc.filename is not None:
        return False
    if os.name == "nt":
        return True
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _errors(wrapper, func):
    """Around `wrapper`: XlflowError, OSError and a database error become one sentence and an exit code."""

    @functools.wraps(func)
    def outer(*args, **kwargs):
        from ..store.db import on_wait

        on_wait(lambda phrase: click.echo(phrase.render(_lang(kwargs)), err=True))  # waiting for the database: said
        try:
            return wrapper(*args, **kwargs)
        except XlflowError as exc:
            kwargs = _with_group_options(kwargs)
            workspace = kwargs.get("workspace") or kwargs.get("directory") or Path(".")  # init: the one it finds
            lang = kwargs.get("lang") or configured_language(workspace) or default_lang()
            click.echo(msg("error-prefix", lang) + exc.message(lang), err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # a read-only workspace, a full disk: one sentence, no traceback
            click.echo(msg("error-prefix", _lang(kwargs)) + _os_error(exc, _lang(kwargs)), err=True)
            sys.exit(1)
        except sqlite3.OperationalError as exc:  # the state database cannot be opened or written
            lang = _lang(kwargs)
            path = kwargs.get("workspace") or Path(".")
            click.echo(msg("error-prefix", lang) + msg("os-database-read-only", lang, path=path, error=exc), err=True)
            sys.exit(1)

    return outer


def _with_group_options(kwargs: dict) -> dict:
    """The command's options, with -w/--lang given to its group (`xlflow baseline -w DIR set …`)."""
    ctx = click.get_current_context(silent=True)
    found = dict(kwargs)
    while ctx is not None:
        for key in ("workspace", "lang"):
            if found.get(key) is None and ctx.params.get(key) is not None:
                found[key] = ctx.params[key]
        ctx = ctx.parent
    return found


def _lang(kwargs: dict) -> str:
    kwargs = _with_group_options(kwargs)
    workspace = kwargs.get("workspace")
    try:
        return kwargs.get("lang") or (workspace and configured_language(workspace)) or default_lang()
    except Exception:  # noqa: BLE001 - the error message must not fail on the language
        return default_lang()


def _os_error(exc: OSError, lang: str) -> str:
    from ..service.upkeep import os_error_text

    return os_error_text(exc, lang)


def open_workspace(path: Path) -> Workspace:
    from ..chat.config import load_channels
    from ..errors import DatabaseUnreadable
    from ..store.renames import with_renames
    from ..store.state import StateDB

    ws = load_workspace(path)
    load_channels(ws)  # a wrong [[chat]] table is named with its line before the command does anything
    if not ws.state_db.is_file():
        return ws
    try:
        return with_renames(ws, StateDB(ws.state_db))  # departments renamed
    except DatabaseUnreadable:
        return ws  # said by the command when it needs the database (`rebuild` does not: it makes it again)
