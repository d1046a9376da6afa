"""The sharing list: the default, the rows of xlflow.toml, their errors by line, and the list in words."""
from __future__ import annotations

import dataclasses

import pytest

from share_helpers import make_ws
from xlflow.errors import ConfigError
from xlflow.service.scaffold import init_workspace
from xlflow.share.log import list_lines
from xlflow.share.sharing import DEFAULT_ROWS, sharing_list

DEPT_VIEW = {"own_tasks", "linked_tasks", "milestones", "actions", "risks", "decisions", "scorecard"}


def test_without_a_table_each_department_sees_its_view_and_the_coordinators_all(tmp_path):
    s = sharing_list(make_ws(tmp_path / "ws"))
    assert not s.configured
    assert s.contents("RD") == DEPT_VIEW and s.contents("MK") == DEPT_VIEW
    assert s.contents("coordinators") == {"master"}
    assert s.formats("RD", "merge") == {"xlsx", "ics"} and s.formats("RD", "weekly") == {"mail"}


def test_init_writes_the_default_into_the_new_config(tmp_path):
    ws = init_workspace(tmp_path / "ws", "en")
    text = (ws.root / "xlflow.toml").read_text("utf-8")
    assert "[[sharing.rows]]" in text
    s = sharing_list(ws)
    assert s.configured and s.rules == sharing_list(dataclasses.replace(ws, extra={})).rules
    assert len(DEFAULT_ROWS) == text.count("[[sharing.rows]]")


ROWS = """
[[sharing.rows]]
content = ["own_tasks", "milestones"]
audience = "RD"
format = "xlsx"
frequency = "merge"

[[sharing.rows]]
content = "milestones"
audience = "ceo@example.com"
format = ["mail", "ics"]
frequency = "weekly"

[[sharing.rows]]
content = ["own_tasks", "risks"]
audience = "deputy@example.com"
department = "MK"
format = "mail"
frequency = "weekly"
"""


def test_rows_are_the_product_of_their_lists(tmp_path):
    s = sharing_list(make_ws(tmp_path / "ws", sharing=ROWS))
    assert s.configured
    assert s.contents("RD") == {"own_tasks", "milestones"} and s.contents("MK") == frozenset()
    assert s.formats("ceo@example.com", "weekly") == {"mail", "ics"}
    assert s.subject("deputy@example.com") == "MK" and s.subject("RD") == "RD"
    assert s.seen_by("MK") == {"deputy@example.com": {"own_tasks", "risks"}}


@pytest.mark.parametrize("row, key, line, words", [
    ('content = "gossip"\naudience = "RD"\nformat = "xlsx"\nfrequency = "merge"', "content", 3, "own_tasks"),
    ('content = "own_tasks"\naudience = "QA"\nformat = "xlsx"\nfrequency = "merge"', "audience", 4, "departments"),
    ('content = "own_tasks"\naudience = "RD"\nformat = "pdf"\nfrequency = "merge"', "format", 5, "xlsx, ics"),
    ('content = "own_tasks"\naudience = "RD"\nformat = "xlsx"\nfrequency = "daily"', "frequency", 6, "merge, weekly"),
    ('content = "own_tasks"\naudience = "x@example.com"\nformat = "mail"\nfrequency = "weekly"', "audience", 4,
     "department"),
    ('content = "own_tasks"\naudience = "RD"\nformat = "xlsx"\nfrequency = "merge"\nwho = 1', "who", 7, "content"),
])
def test_a_wrong_row_names_its_key_and_line(tmp_path, row, key, line, words):
    ws = make_ws(tmp_path / "ws", sharing="\n[[sharing.rows]]\n" + row + "\n")
    first = (ws.root / "xlflow.toml").read_text("utf-8").splitlines().index("[[sharing.rows]]") + 1
    with pytest.raises(ConfigError) as info:
        sharing_list(ws)
    text = info.value.message("en")
    assert f"sharing.rows.{key}" in text and f"line {first + line - 2}" in text and words in text


def test_the_list_in_words_says_what_others_see_of_a_plan(tmp_path):
    ws = make_ws(tmp_path / "ws", "en")
    lines = list_lines(ws, "en", "RD")
    others = next(x for x in lines if x.startswith("PMO, Marketing:"))
    assert "your tasks linked to theirs" in others and "no owner" in others
    assert any(x.startswith("Your department: its own tasks") for x in lines)
    assert any(x.startswith("Coordinators: the whole master plan") for x in lines)
    assert all("项目" not in x for x in lines)
    zh = list_lines(ws, "zh", "RD")
    assert any(x.startswith("项目办、市场部：") for x in zh) and any(x.startswith("协调人：") for x in zh)


def test_every_generated_workbook_prints_what_others_see_of_its_plan(tmp_path):
    import openpyxl
    from click.testing import CliRunner

    from xlflow.cli import main

    ws = make_ws(tmp_path / "ws", "zh")
    out = CliRunner().invoke(main, ["generate", "-w", str(ws.root), "--all", "--out", str(tmp_path / "wb")])
    assert out.exit_code == 0, out.output
    for path in sorted((tmp_path / "wb").glob("*.xlsx")):
        sheet = openpyxl.load_workbook(path).worksheets[0]
        texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        at = texts.index("他人可见的本部门计划（共享清单）")
        assert texts[at + 1].startswith("本部门填写的内容只按下表共享")
        assert any(t.startswith("协调人：完整的主计划") for t in texts[at:])
        assert sum(t.startswith("本部门：本部门任务") for t in texts[at:]) == 1
