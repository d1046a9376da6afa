"""The coordinator edits the master in a real LibreOffice Calc, typing as at the keyboard (dates and
list values parsed by Calc), and saves it: the next merges read it back through the untrusted-file
reader, carry the comments, the dropdown value, the date and an added column, and report the one
department cell that was changed, and nothing else of Calc's re-save."""
from __future__ import annotations

import datetime as dt

import openpyxl
from openpyxl.utils import get_column_letter

from coord_helpers import AS_OF, cell_of, merge_files, rows, workbooks
from libreoffice import type_into
from merge_helpers import make_ws
from xlflow.features.coordinator.table import CoordinatorLayer
from xlflow.store.state import StateDB

WBS, DELAYS, TASK = "主任务表", "滞后与阻塞", "任务编号"


def test_a_master_edited_in_libreoffice_is_read_back_and_carried(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="zh")
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    new_col = get_column_letter(openpyxl.load_workbook(master)[WBS].max_column + 1)
    rd1 = cell_of(master, WBS, TASK, "RD-001", "协调人备注").split("!")[1]
    row1 = rd1.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    typed = {
        cell_of(master, WBS, TASK, "RD-001", "协调人备注"): "催样机 & 周五前回复",
        cell_of(master, WBS, TASK, "RD-001", "需升级"): "是",
        cell_of(master, WBS, TASK, "RD-003", "跟进日期"): "2026-12-01",
        cell_of(master, WBS, TASK, "RD-002", "状态"): "已完成",
        cell_of(master, DELAYS, TASK, "RD-002", "跟进措施"): "周一和供应商开会",
        f"{WBS}!{new_col}4": "PMO跟进",
        f"{WBS}!{new_col}{row1}": "已电话沟通",
    }
    type_into(master, typed, tmp_path / "typed.xlsx")
    master.write_bytes((tmp_path / "typed.xlsx").read_bytes())  # saved over the master, as Calc does

    first = merge_files(ws, files, AS_OF + dt.timedelta(days=1))
    assert [(e.task_id, e.field, e.master_value, e.department_value) for e in first.layer.edits] == \
        [("RD-002", "status", "已完成", "进行中")]  # and nothing else of Calc's re-save
    assert first.layer.carried == {WBS: ["PMO跟进"]}
    second = merge_files(ws, files, AS_OF + dt.timedelta(days=2))
    wbs = rows(second.master_path, WBS, TASK)
    assert wbs["RD-001"]["协调人备注"] == "催样机 & 周五前回复" and wbs["RD-001"]["需升级"] == "是"
    assert wbs["RD-003"]["跟进日期"] == dt.datetime(2026, 12, 1)
    assert wbs["RD-001"]["PMO跟进"] == "已电话沟通"
    assert rows(second.master_path, DELAYS, TASK)["RD-002"]["跟进措施"] == "周一和供应商开会"
    values = CoordinatorLayer(StateDB(ws.state_db)).values("wbs")
    assert values["RD-001"]["escalate"] == "yes" and values["RD-003"]["follow_up_date"] == "2026-12-01"


def test_a_master_saved_by_libreoffice_is_read_only_where_it_can_hold_typing(tmp_path, monkeypatch):
    """Calc writes numbers to 15 significant digits (the dashboard's times, the submissions' times):
    the other sheets' digests still match what xlflow wrote, so none of them is read in full."""
    import xlflow.xlsx.read as reader
    from libreoffice import convert

    ws = make_ws(tmp_path / "ws", lang="zh")
    files = workbooks(ws, tmp_path / "in")
    master = merge_files(ws, files).master_path
    master.write_bytes(convert(master, "xlsx", tmp_path / "saved").read_bytes())
    seen, parse = [], reader._read_sheet
    monkeypatch.setattr(reader, "_read_sheet", lambda sheet, *a: (seen.append(sheet.name), parse(sheet, *a))[1])
    result = merge_files(ws, files, AS_OF + dt.timedelta(days=1))
    assert not [p for p in result.layer.problems if p.key in ("coord-sheet-typed", "coord-sheet-added")]
    assert seen and set(seen) <= {WBS, DELAYS, "变更"}
