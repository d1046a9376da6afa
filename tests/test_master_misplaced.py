"""Typing in the master that had no place (issue 18, item 4): each case is kept where it can be and
always said, in the merge's output, the watch log's line and the week's brief, with what to do.
The coordinator's edits are made with openpyxl and saved the way Excel saves (a temp file renamed
over the master)."""
from __future__ import annotations

import datetime as dt
import os
import shutil

import openpyxl
import pytest

from coord_helpers import AS_OF, merge_files, rows, workbooks
from merge_helpers import make_ws
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB

WBS, TASK, COMMENT, STATUS, NOTE = "主任务表", "任务编号", "协调人备注", "状态", "备注"


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws", lang="zh")


@pytest.fixture
def merged(ws, tmp_path):
    files = workbooks(ws, tmp_path / "in")
    return files, merge_files(ws, files).master_path


def excel_save(path, change):
    """Open the master, let `change(wbs_sheet, columns, rows_by_key, workbook)` edit it, save as Excel does."""
    wb = openpyxl.load_workbook(path)
    sheet = wb[WBS]
    cols = {c.value: c.column for c in sheet[4] if c.value}
    at = {sheet.cell(r, cols[TASK]).value: r for r in range(5, sheet.max_row + 1)}
    change(sheet, cols, at, wb)
    tmp = path.with_name("~$tmp-" + path.name)
    wb.save(tmp)
    os.replace(tmp, path)


def next_merge(ws, files, n=1):
    result = merge_files(ws, files, AS_OF + dt.timedelta(days=n))
    return result, "\n".join(result.summary("en"))


def said_in_brief(ws, n, text):
    brief = make_brief(ws, AS_OF + dt.timedelta(days=n), "en")
    return any(text in line for line in brief.master_notices)


def test_a_comment_on_a_row_inserted_by_hand_is_said(ws, merged):
    files, master = merged

    def change(sheet, cols, at, wb):
        row = sheet.max_row + 1
        sheet.cell(row, cols["任务名称"]).value = "临时加的事"
        sheet.cell(row, cols[COMMENT]).value = "周五前找老王"

    excel_save(master, change)
    result, text = next_merge(ws, files)
    assert "has no ID (a row inserted by hand?)" in text and "周五前找老王" in text
    assert said_in_brief(ws, 1, "周五前找老王")


def test_a_duplicated_row_adds_what_it_can_and_says_what_differs(ws, merged):
    files, master = merged

    def change(sheet, cols, at, wb):
        first = at["RD-001"]
        sheet.cell(first, cols[COMMENT]).value = "第一行的"
        row = sheet.max_row + 1
        for c in range(1, sheet.max_column + 1):
            sheet.cell(row, c).value = sheet.cell(first, c).value
        sheet.cell(row, cols[COMMENT]).value = "复制行的"
        sheet.cell(row, cols["跟进措施"]).value = "只在复制行上"

    excel_save(master, change)
    result, text = next_merge(ws, files)
    wbs = rows(result.master_path, WBS, TASK)
    assert wbs["RD-001"][COMMENT] == "第一行的" and wbs["RD-001"]["跟进措施"] == "只在复制行上"
    assert "RD-001 appears more than once" in text and "复制行的" in text and "只在复制行上" in text


def test_a_cleared_coordinator_header_still_reads_its_column_and_comes_back(ws, merged):
    files, master = merged

    def change(sheet, cols, at, wb):
        sheet.cell(4, cols[COMMENT]).value = None
        sheet.cell(at["RD-003"], cols[COMMENT]).value = "标题被删了也要留"

    excel_save(master, change)
    result, text = next_merge(ws, files)
    assert rows(result.master_path, WBS, TASK)["RD-003"][COMMENT] == "标题被删了也要留"
    assert f'the header of column "{COMMENT}" was cleared' in text


def test_an_added_column_titled_like_xlflows_is_kept_under_its_own_name(ws, merged):
    files, master = merged

    def change(sheet, cols, at, wb):
        col = sheet.max_column + 1
        sheet.cell(4, col).value = STATUS
        sheet.cell(at["MK-001"], col).value = "等预算"

    excel_save(master, change)
    result, text = next_merge(ws, files)
    wbs = rows(result.master_path, WBS, TASK)
    assert wbs["MK-001"][f"{STATUS} (2)"] == "等预算"
    assert f'an added column is titled "{STATUS}", like one of xlflow\'s: it is kept as "{STATUS} (2)"' in text


def test_a_deleted_added_column_does_not_come_back_until_added_again(ws, merged):
    files, master = merged

    def add(sheet, cols, at, wb):
        col = sheet.max_column + 1
        sheet.cell(4, col).value = "PMO跟进"
        sheet.cell(at["RD-001"], col).value = "已电话沟通"

    excel_save(master, add)
    master = next_merge(ws, files, 1)[0].master_path
    excel_save(master, lambda sheet, cols, at, wb: sheet.delete_cols(cols["PMO跟进"]))
    result, text = next_merge(ws, files, 2)
    assert "PMO跟进" not in rows(result.master_path, WBS, TASK)["RD-001"]
    assert 'The added column "PMO跟进" was deleted' in text
    assert CoordinatorLayer(StateDB(ws.state_db)).values("wbs")["RD-001"]["+PMO跟进"] == "已电话沟通"  # kept
    assert "PMO跟进" not in rows(next_merge(ws, files, 3)[0].master_path, WBS, TASK)["RD-001"]

    excel_save(result.master_path, add)  # added again, with the same value
    again = next_merge(ws, files, 4)[0]
    assert rows(again.master_path, WBS, TASK)["RD-001"]["PMO跟进"] == "已电话沟通"


def test_typing_on_a_sheet_without_a_layer_and_an_added_sheet_are_said(ws, merged):
    files, master = merged

    def change(sheet, cols, at, wb):
        wb["总览"]["H2"] = "老板要看这个"
        wb.create_sheet("我的笔记")["A1"] = "开会记录"

    excel_save(master, change)
    result, text = next_merge(ws, files)
    assert '"总览" is not a sheet the coordinator\'s typing is kept from, and 1 cells were changed on it (e.g. H2)' in text
    assert 'A sheet "我的笔记" was added to the master' in text
    assert result.layer.history is not None and result.layer.history.is_file()


@pytest.mark.parametrize("name", ["NPL-2026-master - 副本.xlsx", "NPL-2026-master.ods", "NPL-2026-master.xls"])
def test_a_copy_of_the_master_left_in_master_is_said_and_left_there(ws, merged, name):
    files, master = merged
    copy = master.with_name(name.replace("NPL-2026", ws.project.code))
    shutil.copyfile(master, copy)
    result, text = next_merge(ws, files)
    assert f"{copy.name} in master/ looks like a copy of the master" in text and copy.exists()
    assert said_in_brief(ws, 1, copy.name)


def test_the_watcher_logs_a_copy_of_the_master_left_in_master(ws, tmp_path):
    from coord_helpers import rd_tasks
    from xlflow.output.department import generate_workbook
    from xlflow.watcher import process_inbox

    ws.folder("inbox").mkdir(parents=True, exist_ok=True)
    for path in workbooks(ws, tmp_path / "in"):
        shutil.copyfile(path, ws.folder("inbox") / path.name)
    process_inbox(ws, as_of=AS_OF)
    master = ws.folder("master") / f"{ws.project.code}-master.xlsx"
    shutil.copyfile(master, master.with_name(f"{ws.project.code}-master - 副本.xlsx"))
    generate_workbook(ws, "RD", "zh", ws.folder("inbox") / "RD-v2.xlsx",
                      data={"wbs": {"card": {"update_date": AS_OF}, "tables": {"tasks": rd_tasks()}}})
    outcomes = process_inbox(ws, as_of=AS_OF)
    assert [o.result for o in outcomes] == ["accepted"]
    assert "master - 副本.xlsx" in outcomes[0].line("zh")
    assert "master - 副本.xlsx" in (ws.root / "logs" / "watch.log").read_text("utf-8")


@pytest.fixture
def parsed(monkeypatch):
    """The titles of the sheets the reader parses into cells (xlsx/read.py's sheet parser)."""
    import xlflow.xlsx.read as reader

    seen: list[str] = []
    parse = reader._read_sheet

    def spy(sheet, *args, **kwargs):
        seen.append(sheet.name)
        return parse(sheet, *args, **kwargs)

    monkeypatch.setattr(reader, "_read_sheet", spy)
    return seen


LAYER_SHEETS = {WBS, "滞后与阻塞", "变更"}


def test_a_saved_master_is_read_only_where_it_can_hold_typing(ws, merged, parsed):
    """The master's other sheets are compared by their digests first: those left as xlflow wrote them
    are not read (reading every sheet made the read-back of a saved 3,000-task master twice as slow)."""
    files, master = merged
    excel_save(master, lambda sheet, cols, at, wb: sheet.cell(at["RD-001"], cols[COMMENT]).__setattr__("value", "只改这里"))
    parsed.clear()
    result, text = next_merge(ws, files)
    assert rows(result.master_path, WBS, TASK)["RD-001"][COMMENT] == "只改这里"
    assert "is not a sheet the coordinator's typing is kept from" not in text and "was added to the master" not in text
    assert parsed and set(parsed) <= LAYER_SHEETS


def test_only_the_sheets_typed_on_are_read_in_full(ws, merged, parsed):
    files, master = merged

    def change(sheet, cols, at, wb):
        wb["总览"]["H2"] = "老板要看这个"
        wb.create_sheet("空白页")  # added, nothing typed on it: not said, not read
        wb.create_sheet("我的笔记")["B3"] = "开会记录"

    excel_save(master, change)
    parsed.clear()
    result, text = next_merge(ws, files)
    assert '"总览" is not a sheet the coordinator\'s typing is kept from, and 1 cells were changed on it (e.g. H2)' in text
    assert 'A sheet "我的笔记" was added to the master' in text and "空白页" not in text
    assert set(parsed) - LAYER_SHEETS == {"总览", "我的笔记"}
