"""The coordinator decides in the master's Changes sheet, as a coordinator would: the master edited
with openpyxl, and typed into with LibreOffice Calc and saved. The next merge reads the decision
back (the coordinator's layer), the register applies it, and the new master shows it."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from guard_e2e_helpers import run
from libreoffice import type_into
from test_change_register import changes_sheet, drop, request
from watch_helpers import make_ws
from xlflow.features.control.register import change_register
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB

W2 = dt.date(2026, 11, 20)


@pytest.fixture
def ws(tmp_path):
    ws = make_ws(tmp_path / "ws")
    drop(ws, "MK", {})
    drop(ws, "RD", {"requests": [request("RD-C01", tasks_affected="RD-001, MK-002"), request("RD-C02")],
                    "affected": [{"change_ref": "RD-C01", "task_id": "MK-002", "proposed_due": dt.date(2026, 12, 18)}]})
    assert [o.result for o in run(ws, W2)] == ["accepted", "accepted"]
    return ws


def master(ws):
    return next(p for p in ws.folder("master").glob("*-master.xlsx"))


def cell_of(ws, change_id: str, header: str) -> str:
    """The master's Changes cell of this request's row under this header, "F5"."""
    sheet = openpyxl.load_workbook(master(ws))["Changes"]
    rows = list(sheet.iter_rows())
    top = next(i for i, r in enumerate(rows) if r[0].value == "Change ID")
    col = next(c.column for c in rows[top] if c.value == header)
    row = next(r[0].row for r in rows[top + 1:] if r[0].value == change_id)
    return f"{get_column_letter(col)}{row}"


def decided(ws) -> dict[str, tuple[str, str, str]]:
    return {r.change_id: (r.status, r.decided_in, r.decided_by) for r in change_register(ws, StateDB(ws.state_db))}


def test_decision_typed_into_the_master_with_openpyxl(ws):
    path = master(ws)
    wb = openpyxl.load_workbook(path)
    sheet = wb["Changes"]
    sheet[cell_of(ws, "RD-C01", "Decision (coordinator)")] = "Approved"
    sheet[cell_of(ws, "RD-C01", "Decided by (coordinator)")] = "Zhou Min"
    sheet[cell_of(ws, "RD-C02", "Decision (coordinator)")] = "Rejected"
    wb.save(path)
    merge_workspace(ws, as_of=dt.date(2026, 11, 23))
    assert decided(ws) == {"RD-C01": ("approved", "master", "Zhou Min"), "RD-C02": ("rejected", "master", "")}
    header, rows = changes_sheet(ws)
    first, second = (dict(zip(header, r, strict=True)) for r in rows)
    assert (first["Status"], first["Decided by"], first["Decision (coordinator)"]) == ("Approved", "Zhou Min", "Approved")
    assert (second["Status"], second["Decided by"]) == ("Rejected", "Coordinator (master)")
    assert isinstance(second["Decided on"], dt.datetime)  # the day the decision was read back
    brief = make_brief(ws, dt.date(2026, 11, 23), "en")
    assert [d for d in brief.decisions if d.kind == "change"] == []
    merge_workspace(ws, as_of=dt.date(2026, 11, 24))  # carried over: still decided after another merge
    assert decided(ws)["RD-C01"] == ("approved", "master", "Zhou Min")


def test_decision_typed_into_the_master_with_libreoffice(ws, tmp_path):
    path = master(ws)
    typed = type_into(path, {f"Changes!{cell_of(ws, 'RD-C01', 'Decision (coordinator)')}": "Rejected",
                             f"Changes!{cell_of(ws, 'RD-C01', 'Decided on (coordinator)')}": "2026-11-23"},
                      tmp_path / "typed.xlsx")
    shutil.copyfile(typed, path)
    merge_workspace(ws, as_of=dt.date(2026, 11, 23))
    reg = {r.change_id: r for r in change_register(ws, StateDB(ws.state_db))}
    assert (reg["RD-C01"].status, reg["RD-C01"].decided_in, reg["RD-C01"].decided_on) == (
        "rejected", "master", dt.date(2026, 11, 23))
    assert reg["RD-C02"].status == "pending"
    header, rows = changes_sheet(ws)
    assert [dict(zip(header, r, strict=True))["Status"] for r in rows] == ["Rejected", "Pending"]


def test_decision_typed_into_a_chinese_master(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="zh")
    drop(ws, "RD", {"requests": [request("RD-C01", tasks_affected="RD-001")]})
    assert [o.result for o in run(ws, W2)] == ["accepted"]
    path = master(ws)
    wb = openpyxl.load_workbook(path)
    sheet = wb["变更"]
    rows = list(sheet.iter_rows())
    top = next(i for i, r in enumerate(rows) if r[0].value == "变更编号")
    col = next(c.column for c in rows[top] if c.value == "审批结果（牵头人）")
    sheet.cell(rows[top + 1][0].row, col).value = "批准"
    wb.save(path)
    merge_workspace(ws, as_of=dt.date(2026, 11, 23))
    assert decided(ws) == {"RD-C01": ("approved", "master", "")}
    sheet = openpyxl.load_workbook(master(ws))["变更"]
    header = [c.value for c in list(sheet.iter_rows())[top]]
    row = dict(zip(header, [c.value for c in list(sheet.iter_rows())[top + 1]], strict=True))
    assert (row["状态"], row["审批人"], row["审批结果（牵头人）"]) == ("批准", "协调人（总表）", "批准")
