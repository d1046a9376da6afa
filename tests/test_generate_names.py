"""One rule for a department workbook's file name, and what a broken spec or an unknown
department says instead of a traceback."""
from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest

from validate_helpers import WORKSPACE_TOML, make_workspace
from xlflow.check import rules
from xlflow.check.validate import check_file
from xlflow.errors import SpecError, UsageError
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.resources import data_dir
from xlflow.spec.catalog import load_catalog


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_findings_name_the_file_generate_writes(tmp_path, lang):
    """R&D's English name has a symbol: findings used to say R&D, generate wrote RD."""
    ws = make_workspace(tmp_path / "ws")
    other = make_workspace(tmp_path / "other", WORKSPACE_TOML.replace('code = "TP-2026"', 'code = "XX-2026"'))
    path = generate_workbook(other, "RD", lang, tmp_path / "out" / workbook_name(other, "RD", lang))
    sub = check_file(path, ws)
    finding = next(f for f in sub.report.findings if f.code == "wrong-project")
    written = generate_workbook(ws, "RD", lang, tmp_path / "out" / workbook_name(ws, "RD", lang))
    assert finding.params["template"] == written.name == f"TP-2026_RD_{'研发部' if lang == 'zh' else 'RD'}.xlsx"


def test_a_workbook_without_department_names_a_placeholder(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "plain.xlsx")
    finding = check_file(tmp_path / "plain.xlsx", ws).report.findings[0]
    assert finding.code == "not-xlflow-workbook" and "TP-2026_<部门>.xlsx" in finding.message("zh")
    english = finding.message("en")  # the placeholder in the reader's language, whatever the workspace's
    assert "TP-2026_<DEPT>.xlsx" in english and not re.search(r"[\u4e00-\u9fff]", english)


def test_no_english_message_carries_chinese_text():
    from xlflow.i18n import _catalog

    assert not [key for key, entry in _catalog().items() if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", entry["en"])]


def test_unknown_department_in_generate_is_a_usage_error(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    with pytest.raises(UsageError) as exc:
        generate_workbook(ws, "XX", "en", tmp_path / "x.xlsx")
    assert exc.value.exit_code == 2 and "XX" in exc.value.message("en") and "PMO, RD, MK" in exc.value.message("zh")
    with pytest.raises(UsageError):
        workbook_name(ws, "XX", "en")
    assert not (tmp_path / "x.xlsx").exists()


def _spec_copy(tmp_path):
    root = tmp_path / "templates"
    shutil.copytree(data_dir(), root, ignore=shutil.ignore_patterns("messages"))
    return root


@pytest.mark.parametrize("edit, file, key", [
    (lambda s: s.replace('rows = 200', 'rows = 200\ncolour = "red"'), "04_wbs.toml", "tasks"),
    (lambda s: s.replace('type = "date"', 'type = "when"', 1), "04_wbs.toml", "type"),
    (lambda s: s.replace('choices = "status"', 'choices = "moods"', 1), "04_wbs.toml", "choices"),
    (lambda s: s.replace('[form]', '[form]\nicon = "x"', 1), "04_wbs.toml", "form"),
    (lambda s: s.replace('title = { zh = "任务清单", en = "Tasks" }', 'title = "Tasks"'), "04_wbs.toml", "title"),
    (lambda s: s.replace('id = "tasks"\n', '', 1), "04_wbs.toml", "-"),
    (lambda s: s + "\n[[[broken", "04_wbs.toml", "-"),
])
def test_a_broken_spec_is_a_spec_error_naming_file_and_key(tmp_path, edit, file, key):
    root = _spec_copy(tmp_path)
    path = root / file
    path.write_text(edit(path.read_text("utf-8")), "utf-8")
    with pytest.raises(SpecError) as exc:
        load_catalog(root)
    err = exc.value
    assert err.exit_code == 1 and err.params["file"] == file and key in err.params["key"]
    zh, en = err.message("zh"), err.message("en")
    assert file in zh and file in en and zh != en and "{" not in zh + en


def test_every_rule_a_spec_names_is_registered():
    named = {name for form in load_catalog().forms for t in form.tables for name in t.rules}
    assert named and named <= set(rules.RULES)


def test_an_unknown_rule_is_a_spec_error(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    path = generate_workbook(ws, "RD", "en", tmp_path / "rd.xlsx")
    catalog = load_catalog()
    wbs = catalog.form("wbs")
    tasks = replace(wbs.table("tasks"), rules=("task-prefix", "no-such-rule"))
    broken = replace(catalog, forms=tuple(replace(f, tables=(tasks,)) if f.id == "wbs" else f
                                          for f in catalog.forms))
    with pytest.raises(SpecError) as exc:
        check_file(path, ws, catalog=broken)
    assert "no-such-rule" in exc.value.message("en") and "task-prefix" in exc.value.message("zh")


def test_the_placeholder_survives_the_parse_cache_in_both_languages(tmp_path):
    import openpyxl

    from xlflow.check.cache import SubmissionCache
    from xlflow.spec.catalog import load_catalog

    ws = make_workspace(tmp_path / "ws")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "hello"
    wb.save(tmp_path / "plain.xlsx")
    cache = SubmissionCache(ws, load_catalog())
    cache.load(tmp_path / "plain.xlsx", ws)  # checked and cached
    (finding,) = cache.load(tmp_path / "plain.xlsx", ws).report.findings  # read back from the cache
    assert "TP-2026_<DEPT>.xlsx" in finding.message("en") and "TP-2026_<部门>.xlsx" in finding.message("zh")
