"""docs/reference.md, generated from the code so that it has one owner: the commands and options from
this click CLI, the xlflow.toml keys from the config dataclasses (a key's description is the comment
beside its declaration), the finding codes from the message catalog, the forms, fields and value lists
from the specs. `xlflow reference --out docs/reference.md` writes it; `--check` says whether it is stale.
The text is deterministic: sorted where the code has no order, no dates, no absolute paths."""
from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
import io
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import settings
from ..errors import UsageError, XlflowError
from ..i18n import _catalog, default_lang, msg
from .app import handle_errors, main

if TYPE_CHECKING:
    from ..spec.catalog import Field

REGENERATE = "xlflow reference --out docs/reference.md"
# Where the tables a feature reads itself are described (config FEATURE_SECTIONS).
FEATURE_DOCS = {"chat": "chat.md", "lessons": "closeout.md", "service": "administrator-windows.md",
                "sharing": "sharing.md"}
_TYPES = {"str": "text", "int": "integer", "float": "number", "bool": "true | false", "Text": "{ zh, en }",
          "dt.date": "date (2026-11-20)", "dt.time": "time (\"16:00\")", "tuple[str, ...]": "list of text",
          "tuple[dt.date, ...]": "list of dates", "int | None": "integer"}


def cell(value: object) -> str:
    """A Markdown table cell: one line, pipes escaped, and `<` outside code spans (inbox/<CODE>/ is no tag)."""
    text = " ".join(("" if value is None else str(value)).split()).replace("|", "\\|")
    parts = text.split("`")
    return "`".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))


def table(header: list[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


# -- commands -----------------------------------------------------------------------------------------

def _commands(group: click.Group, ctx: click.Context) -> list[tuple[click.Command, click.Context]]:
    out = []
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        sub = click.Context(command, info_name=name, parent=ctx)
        out.append((command, sub))
        if isinstance(command, click.Group):
            out.extend(_commands(command, sub))
    return out


def _params(command: click.Command, ctx: click.Context) -> list[list[object]]:
    rows: list[list[object]] = []
    skip = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if param is skip or param.name == "version" or getattr(param, "hidden", False):
            continue
        if isinstance(param, click.Argument):
            rows.append([f"`{param.make_metavar(ctx) if _metavar_takes_ctx() else param.make_metavar()}`",  # type: ignore[call-arg]  # click < 8.2
                         "argument" + ("" if param.required else ", optional")])
            continue
        names, help_text = param.get_help_record(ctx) or ("", "")
        rows.append([f"`{names}`", help_text])
    return rows


def _metavar_takes_ctx() -> bool:
    return "ctx" in inspect.signature(click.Argument.make_metavar).parameters


def commands_section() -> list[str]:
    root = click.Context(main, info_name="xlflow", terminal_width=80, **main.context_settings)  # usage lines wrap alike anywhere
    out = ["## Commands", "",
           "Every command has `-h/--help`; `xlflow --version` prints the version. Exit codes: 0 done, "
           "1 something could not be done (the message says what, where and what to do), 2 a usage error. "
           "`python -m xlflow` works as well as `xlflow`. The environment variable `XLFLOW_LANG` (zh | en) "
           "sets the language of messages where no `--lang` or workspace says it; `XLFLOW_CACHE_DIR` where "
           "xlflow keeps its parsed messages and form specs (default: the user's cache folder; it may be "
           "deleted at any time).", ""]
    for command, ctx in _commands(main, root):
        out += [f"### `{ctx.command_path}`", "", "```", ctx.get_usage().replace("Usage: ", ""), "```", ""]
        out += [cell(command.help or ""), ""]
        rows = _params(command, ctx)
        if rows:
            out += table(["option", "meaning"], rows) + [""]
    return out


# -- xlflow.toml ---------------------------------------------------------------------------------------

def _comments(cls: type) -> dict[str, str]:
    """Field name -> the comment beside its declaration (or on the lines just above it)."""
    source = inspect.getsource(cls)
    notes: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            notes[tok.start[0]] = tok.string.lstrip("#").strip()
    lines = source.splitlines()
    out = {}
    top = ast.parse(source).body[0]
    for node in top.body if isinstance(top, ast.ClassDef) else []:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            line = node.lineno - 1
            while line >= 1 and lines[line - 1].strip().startswith("#"):
                above.insert(0, notes.get(line, ""))
                line -= 1
            out[node.target.id] = " ".join([*above, notes.get(node.end_lineno or node.lineno, "")]).strip()
    return out


def _default(f: dataclasses.Field) -> str:
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "required"
    factory = f.default_factory
    value = f.default if f.default is not dataclasses.MISSING else factory() if callable(factory) else None
    if f.metadata.get("read") == "weekday" or f.name == "week_start":
        return "—" if value is None else f'"{settings.WEEKDAYS[value]}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[]" if not value else str(list(value))
    if isinstance(value, (dt.time, dt.datetime)):
        return f'"{value.strftime("%H:%M")}"'
    return str(value)


def _type(f: dataclasses.Field) -> str:
    if f.metadata.get("read") == "weekday" or f.name == "week_start":
        return "weekday name"
    return _TYPES.get(str(f.type), str(f.type))


def config_section() -> list[str]:
    out = ["## xlflow.toml", "",
           f"The workspace's settings, in `{settings.CONFIG_NAME}`. A wrong or missing key is reported with its "
           "name and line. The file holds no secret: the SMTP password is read only from the environment "
           "variable `XLFLOW_SMTP_PASSWORD`.", ""]
    for name, cls in settings.SECTIONS.items():
        head = f"[[{name}]]" if name == "departments" else f"[{name}]"
        notes = _comments(cls)
        rows = [[f"`{settings.toml_key(f)}`", _type(f), _default(f), notes.get(f.name, "")]
                for f in dataclasses.fields(cls)]
        refused = sorted(settings.REFUSED_KEYS.get(name, ()))
        out += [f"### `{head}`", ""] + table(["key", "type", "default", "meaning"], rows) + [""]
        if refused:
            out += [f"Refused here, with a message saying why: {', '.join(f'`{k}`' for k in refused)}.", ""]
    out += ["### Tables a feature reads itself", ""]
    for name in sorted(settings.FEATURE_SECTIONS):
        doc = FEATURE_DOCS.get(name)
        where = f"its keys are described in [{doc}]({doc})" if doc else "its keys are described with the feature"
        out.append(f"- `[{name}]`: checked by its feature when it runs; {where}.")
    return out + [""]


# -- findings --------------------------------------------------------------------------------------------

def findings_section() -> list[str]:
    catalog = _catalog()
    codes = sorted(key.removeprefix("finding-") for key in catalog if key.startswith("finding-"))
    rows = [[f"`{code}`", catalog[f"finding-{code}"]["zh"], _plain(catalog[f"finding-{code}"]["en"])] for code in codes]
    return ["## Findings", "",
            "Every finding xlflow reports about a workbook or a dropped file, by its stable code (the `code` of "
            "`xlflow validate --json`). `{field}`, `{value}`, `{sheet}` and `{cell}` are filled in from the cell "
            "concerned; the other placeholders from the finding itself. 每条检查结果的代码与中英文说明。", ""] \
        + table(["code", "中文", "English"], rows) + [""]


# -- forms -----------------------------------------------------------------------------------------------

def _allowed(f: Field) -> str:
    parts = []
    if f.choices:
        parts.append(f"list `{f.choices}`")
    if f.min is not None or f.max is not None:
        parts.append(f"{'' if f.min is None else f.min:g}–{'' if f.max is None else f.max:g}"
                     if isinstance(f.min, (int, float)) and isinstance(f.max, (int, float))
                     else f"min {f.min}" if f.min is not None else f"max {f.max}")
    if f.max_length:
        parts.append(f"≤ {f.max_length} characters")
    if f.pattern:
        parts.append(f"pattern `{f.pattern}`")
    if f.per_department:
        parts.append("one column per department")
    return "; ".join(parts)


def _field_rows(fields: tuple[Field, ...]) -> list[str]:
    rows = [[f"`{f.key}`", f.label.zh, f.label.en, f.type, "yes" if f.required else "", _allowed(f)]
            for f in fields]
    return table(["key", "中文", "English", "type", "required", "allowed"], rows)


def forms_section() -> list[str]:
    from ..spec.catalog import load_catalog

    catalog = load_catalog()
    out = ["## Forms and fields", "",
           f"The department workbook's forms (spec version {catalog.version}; workbooks from version "
           f"{catalog.min_compatible} on are read), from `workbook_templates/*.toml`. Columns are found by "
           "their label in either language; a list field takes a code or either label.", ""]
    for form in catalog.forms:
        out += [f"### {form.order}. {form.title.zh} / {form.title.en} (`{form.id}`)", "",
                f"Sheet: **{form.sheet.zh}** / **{form.sheet.en}**. {cell(form.purpose.en)} {cell(form.purpose.zh)}",
                ""]
        if form.fields:
            out += ["Header fields (one label/value row each):", ""] + _field_rows(form.fields) + [""]
        for t in form.tables:
            notes = [f"{t.rows} prepared rows"]
            if t.rules:
                notes.append("rules: " + ", ".join(f"`{r}`" for r in t.rules))
            if t.optional:
                notes.append("optional (older workbooks lack it)")
            out += [f"Table `{t.id}`: {t.title.zh} / {t.title.en} ({'; '.join(notes)}).", ""]
            out += _field_rows(t.fields) + [""]
        if form.legacy:
            out += [f"An older layout is still read: label/value rows "
                    f"({', '.join(f'`{f.key}`' for f in form.legacy.fields)}) standing for one row of "
                    f"`{form.legacy.table}`.", ""]
    return out + lists_section(catalog) + master_section()


def lists_section(catalog) -> list[str]:
    out = ["## Value lists", "", "The dropdowns' values (`workbook_templates/enums.toml`): the code is what "
           "is stored; either label is accepted in a cell.", ""]
    for key in sorted(catalog.enums):
        enum = catalog.enums[key]
        rows = [[f"`{c.code}`", c.label.zh, c.label.en, c.colour or ""] for c in enum.values]
        out += [f"### `{key}`: {enum.label.zh} / {enum.label.en}", ""]
        out += table(["code", "中文", "English", "colour"], rows) + [""]
    return out


def master_section() -> list[str]:
    from ..spec.master import load_master_spec

    out = ["## The master's coordinator columns", "",
           "Columns the coordinator fills in the master (`workbook_templates/master.toml`), kept across "
           "merges by the row's key.", ""]
    for sheet in load_master_spec().sheets:
        out += [f"### Sheet `{sheet.id}` (rows by `{sheet.row_key}`)", ""] + _field_rows(sheet.columns) + [""]
    return out


def exports_section() -> list[str]:
    from ..export.columns import TABLES

    out = ["## Export tables", "",
           "The tables `xlflow export tables` writes (one row per fact; see [exports](exports.md)), from the data "
           "dictionary `xlflow/export/columns.py`. Names are stable: columns are added, never renamed.", ""]
    for name, columns in TABLES.items():
        out += [f"### `{name}`", ""] + table(["column", "type", "meaning", "含义"],
                                             [[f"`{c.name}`", c.type, c.en, c.zh] for c in columns]) + [""]
    return out


# -- the document and the command ------------------------------------------------------------------------

def render() -> str:
    lines = ["# Reference", "",
             f"<!-- Generated from the code by `{REGENERATE}`: do not edit by hand. -->", "",
             "Contents: [Commands](#commands) · [xlflow.toml](#xlflowtoml) · [Findings](#findings) · "
             "[Forms and fields](#forms-and-fields) · [Value lists](#value-lists) · "
             "[The master's coordinator columns](#the-masters-coordinator-columns) · [Export tables](#export-tables)", ""]
    lines += commands_section() + config_section() + findings_section() + forms_section() + exports_section()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the reference to FILE (default: print it). 写入文件。")
@click.option("--check", is_flag=True,
              help="Only compare --out FILE with the code; exit 1 if it is stale. 仅检查是否过期。")
@handle_errors
def reference(out: Path | None, check: bool) -> None:
    """The reference (commands, xlflow.toml, findings, forms) generated from the code.
    由代码生成参考文档（命令、配置、检查结果、表单）。"""
    from ..store.atomic import write_bytes

    text, lang = render(), default_lang()
    if check:
        if out is None:
            raise UsageError("reference-check-needs-out")
        if not out.is_file() or out.read_text("utf-8") != text:
            raise XlflowError("reference-stale", path=out, command=REGENERATE)
        click.echo(msg("reference-current", lang, path=out))
    elif out is None:
        click.echo(text, nl=False)
    else:
        write_bytes(out, text.encode("utf-8"))
        click.echo(msg("reference-written", lang, path=out))


def _plain(text: str) -> str:
    """A message as the reference shows it: `{count:task|tasks}` (a count with its noun) as "{count} tasks"."""
    return re.sub(r"\{(\w+):[^{}|]*\|([^{}]*)\}", r"{\1} \2", text)
