"""docs/reference.md is generated from the code (xlflow/cli/reference.py): it must be current, cover every
command, option, xlflow.toml key, finding code and form field, and read the same wherever it is made."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import click
from click.testing import CliRunner

from xlflow.cli import main
from xlflow.cli.reference import REGENERATE, render
from xlflow.config import settings
from xlflow.i18n import _catalog
from xlflow.spec.catalog import load_catalog

DOC = Path(__file__).resolve().parents[1] / "docs" / "reference.md"


def test_docs_reference_is_current():
    assert DOC.is_file(), f"docs/reference.md is missing: run `{REGENERATE}` in the checkout"
    assert DOC.read_text("utf-8") == render(), (
        f"docs/reference.md is stale (a command, option, setting, finding or form changed): "
        f"run `{REGENERATE}` in the checkout and commit the result")


def _walk(group: click.Group, ctx: click.Context):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx)
        yield command, sub
        if isinstance(command, click.Group):
            yield from _walk(command, sub)


def test_every_command_and_option_is_in_it():
    text = render()
    for command, ctx in _walk(main, click.Context(main, info_name="xlflow")):
        if command.hidden:
            continue
        assert f"### `{ctx.command_path}`" in text
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    assert opt in text, f"{ctx.command_path} {opt}"


def test_every_config_key_and_feature_table_is_in_it():
    text = render()
    for name, cls in settings.SECTIONS.items():
        assert f"[{name}]`" in text or f"[[{name}]]`" in text
        for f in dataclasses.fields(cls):
            assert f"| `{settings.toml_key(f)}` |" in text, f"[{name}] {settings.toml_key(f)}"
    for name in settings.FEATURE_SECTIONS:
        assert f"- `[{name}]`:" in text


def test_every_finding_code_is_in_it_in_both_languages():
    text = render()
    codes = [key.removeprefix("finding-") for key in _catalog() if key.startswith("finding-")]
    assert len(codes) > 50
    for code in codes:
        assert f"| `{code}` |" in text, code
    assert _catalog()["finding-bad-date"]["zh"] in text


def test_every_form_and_field_is_in_it():
    text = render()
    catalog = load_catalog()
    for form in catalog.forms:
        assert f"(`{form.id}`)" in text and form.sheet.zh in text and form.sheet.en in text
        for f in (*form.fields, *(f for t in form.tables for f in t.fields)):
            assert f"| `{f.key}` | {f.label.zh} | {f.label.en} |" in text, f"{form.id}.{f.key}"
    for key in catalog.enums:
        assert f"### `{key}`:" in text


def test_the_text_does_not_depend_on_where_or_when_it_is_made(tmp_path, monkeypatch):
    first = render()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XLFLOW_LANG", "zh")
    monkeypatch.setenv("COLUMNS", "40")
    assert render() == first
    assert str(tmp_path) not in first and str(Path.home()) not in first
    assert dt.date.today().isoformat() not in first


def test_the_command_writes_checks_and_names_the_fix(tmp_path):
    runner = CliRunner()
    out = tmp_path / "reference.md"
    result = runner.invoke(main, ["reference", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text("utf-8") == render()
    assert runner.invoke(main, ["reference", "--out", str(out), "--check"]).exit_code == 0
    out.write_text(render().replace("### `xlflow merge`", "### `xlflow fuse`"), "utf-8")
    stale = runner.invoke(main, ["reference", "--out", str(out), "--check"])
    assert stale.exit_code == 1 and REGENERATE in stale.output
    assert runner.invoke(main, ["reference", "--check"]).exit_code == 2
    printed = runner.invoke(main, ["reference"])
    assert printed.exit_code == 0 and printed.output == render()
