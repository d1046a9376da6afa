"""A department's slice: exactly its scope, read back with openpyxl; nothing else in any part."""
from __future__ import annotations

import datetime as dt

import openpyxl

from share_helpers import SECRETS, hits, make_ws, parts, read_xml_parts, sample_week
from xlflow.share.publish import publish
from xlflow.share.scope import department_slice

VIEW = frozenset({"own_tasks", "linked_tasks", "milestones", "actions", "risks", "decisions", "scorecard"})


def _rows(sheet) -> list[tuple]:
    return [r for r in sheet.iter_rows(min_row=5, values_only=True) if any(v is not None for v in r)]


def test_the_scope_is_chosen_from_the_week():
    s = department_slice(sample_week(), "RD", VIEW, ("研发部", "R&D"))
    assert [t.task_id for t in s.tasks] == ["RD-001", "RD-002"]
    assert [(x.own_task_id, x.direction, x.task_id) for x in s.linked] == [("RD-002", "downstream", "MK-003")]
    assert not hasattr(s.linked[0], "owner")
    assert [r.values["issue_id"] for r in s.risks] == ["RD-R01", "MK-R07"]  # MK-R07 names 研发部
    assert "owner" not in s.risks[1].values and s.risks[0].values["owner"] == "王磊"
    assert [a.values["item"] for a in s.actions] == ["补充测试报告"]
    assert {(c.task_id, c.kind) for c in s.changes} == {("RD-001", "status"), ("RD-002", "due"), ("MK-003", "added")}
    assert department_slice(sample_week(), "RD", frozenset({"own_tasks"})).linked == ()


def test_the_slice_workbook_holds_exactly_the_scope(tmp_path):
    ws = make_ws(tmp_path / "ws", "zh")
    published = {p.audience: p for p in publish(ws, sample_week())}
    book = published["RD"].files[0]
    assert book == ws.root / "slices" / "RD" / "TP-1-RD-2026-W47.xlsx"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["概览", "本部门任务", "上下游依赖", "里程碑", "行动项", "风险与问题", "变更审批", "本周变化"]
    tasks = _rows(wb["本部门任务"])
    assert [r[0] for r in tasks] == ["RD-001", "RD-002"]
    assert tasks[1][1] == "=SUM(A1) 量产设计冻结" and wb["本部门任务"]["B6"].data_type == "s"
    assert tasks[1][4] == dt.datetime(2026, 11, 27) and tasks[1][5] == "进行中"
    assert wb["本部门任务"]["F5"].fill.fgColor.rgb.endswith("C6EFCE")  # done: the status colour
    assert _rows(wb["上下游依赖"]) == [("RD-002", "下游（等待我们）", "MK-003", "上市物料设计", "市场部",
                                      dt.datetime(2026, 12, 4), "进行中")]
    assert [r[0] for r in _rows(wb["风险与问题"])] == ["RD-R01", "MK-R07"]
    assert [r[0] for r in _rows(wb["行动项"])] == ["补充测试报告"]
    assert ("RD-002", "截止日期变动", "2026-11-25", "2026-11-27") in _rows(wb["本周变化"])
    for sheet in wb.worksheets:  # frozen header, printed on every page, nothing hidden or locked
        assert sheet.freeze_panes == "A5" and sheet.sheet_state == "visible" and not sheet.protection.sheet
        assert sheet.print_title_rows == "$4:$4" and sheet.page_setup.orientation == "landscape"
        assert not sheet.data_validations.dataValidation
    assert hits(book, SECRETS) == []
    assert not any(name.startswith(("xl/comments", "xl/pivot", "xl/charts")) for name in parts(book))
    read_xml_parts(book)


def test_every_departments_slice_is_free_of_the_others_secrets(tmp_path):
    ws = make_ws(tmp_path / "ws", "en")
    published = {p.audience: p for p in publish(ws, sample_week())}
    mk = published["MK"].files[0]
    assert hits(mk, ["王磊", "供应商延迟", "RD-001", "样机评审", "RD-R01", "芯片供货风险", "补充测试报告"]) == []
    wb = openpyxl.load_workbook(mk)
    assert wb.sheetnames[0] == "Overview"
    assert [r[0] for r in _rows(wb["Our tasks"])] == ["MK-003", "MK-009"]
    assert [r[2] for r in _rows(wb["Links"])] == ["RD-002", "PMO-001"]
    pmo = published["PMO"].files[0]
    assert hits(pmo, ["赵秘", "预算保密", "王磊", "RD-001", "RD-002", "MK-003"]) == []
    assert [r[2] for r in _rows(openpyxl.load_workbook(pmo)["Links"])] == ["MK-009"]
    assert published["coordinators"].files == (ws.root / "slices" / "coordinator.ics",)
