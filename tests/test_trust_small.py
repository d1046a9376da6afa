"""Issue 18 items 13/14, the parts taken here: a task ID typed over in the master is an ID edit;
`accept` of a file identical to the current version says "no change"; a future --as-of is refused."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from coord_helpers import AS_OF, edit, merge_files, rows, workbooks
from merge_helpers import make_ws
from xlflow.i18n import msg

WBS, REMOVED, TASK, COMMENT = "主任务表", "已移除行的备注", "任务编号", "协调人备注"


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws", lang="zh")


def test_a_task_id_typed_over_in_the_master_is_an_id_edit_and_its_comment_stays(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    edit(master, WBS, TASK, {("RD-003", COMMENT): "等评审", ("RD-003", TASK): "RD-03"})
    again = merge_files(ws, files, AS_OF + dt.timedelta(days=1))
    assert msg("coord-id-edited", "zh", sheet=WBS, old="RD-003", new="RD-03") in again.summary("zh")
    assert rows(again.master_path, WBS, TASK)["RD-003"][COMMENT] == "等评审"
    removed = openpyxl.load_workbook(again.master_path)
    if REMOVED in removed.sheetnames:
        assert not any(c.value == "RD-03" for row in removed[REMOVED].iter_rows() for c in row)


def test_a_future_as_of_is_refused_by_merge_and_warned_about_by_summary(ws, tmp_path):
    from click.testing import CliRunner

    from xlflow.cli import main
    files = workbooks(ws, tmp_path / "in")
    future = dt.date.today() + dt.timedelta(days=30)
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), *map(str, files), "--as-of", future.isoformat(),
                                    "--lang", "en"])
    assert out.exit_code == 2 and "is after today" in out.output
    assert not list(ws.folder("master").glob("*.xlsx"))  # nothing recorded for a day that has not come
    merge_files(ws, files)
    brief = CliRunner().invoke(main, ["summary", "-w", str(ws.root), "--as-of", future.isoformat(), "--lang", "en"])
    assert brief.exit_code == 0 and msg("summary-as-of-future", "en", day=future.isoformat(),
                                        today=dt.date.today().isoformat()) in brief.output


def test_accepting_the_current_version_again_says_no_change_and_makes_no_version(tmp_path):
    from click.testing import CliRunner

    from guard_e2e_helpers import blank, run_one, task
    from validate_helpers import fill
    from watch_helpers import make_ws as sample_ws
    from xlflow.cli import main
    from xlflow.output.department import workbook_name
    from xlflow.store.state import StateDB
    ws = sample_ws(tmp_path / "ws")
    path = fill(ws, blank(ws, "RD"), tmp_path / workbook_name(ws, "RD", "en"),
                {"wbs": {"card": {"update_date": dt.date(2026, 11, 13)}, "tables": {"tasks": [task("RD", 1)]}}})
    (ws.folder("inbox") / path.name).write_bytes(path.read_bytes())
    assert run_one(ws, dt.date(2026, 11, 13)).result == "accepted"
    before = StateDB(ws.state_db).versions("RD")
    out = CliRunner().invoke(main, ["accept", "-w", str(ws.root), str(path), "--department", "RD", "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert msg("accept-no-change", "en", file=path.name, department=ws.department("RD").name("en"),
               version=before[-1].version) in out.output
    assert StateDB(ws.state_db).versions("RD") == before
