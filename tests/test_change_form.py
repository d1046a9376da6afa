"""The change-request form's new tables (tasks affected with proposed dates, the lead's decisions):
generated, filled with openpyxl as a department would, read back and checked; old workbooks
without the new tables still read."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from validate_helpers import fill, make_workspace, task
from xlflow.check.validate import check_file
from xlflow.features.control.requests import lead_decisions, register, requests_of
from xlflow.output.department import generate_workbook
from xlflow.spec.catalog import load_catalog
from xlflow.xlsx.read import label_key

D = dt.date
UPDATE = {"update_date": D(2026, 11, 20)}


def request(cid="RD-C01", **values):
    row = {"change_id": cid, "requesting_department": "研发部", "date": D(2026, 11, 20), "change_type": "计划",
           "content": "功能确认顺延", "reason": "需求变更", "impact": "RD-001 顺延一周"}
    row.update(values)
    return row


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("change")
    ws = make_workspace(root / "ws")
    blanks = {d: generate_workbook(ws, d, "zh", root / f"blank_{d}.xlsx") for d in ("RD", "PMO")}
    return ws, blanks, root


def submit(env, dept, tables, name, received=None):
    ws, blanks, root = env
    forms = {"wbs": {"card": UPDATE, "tables": {"tasks": [task(1, dept)]}},
             "change": {"tables": tables}}
    path = fill(ws, blanks[dept], root / name, forms)
    return check_file(path, ws, received)


def codes(sub):
    return sorted((f.code, f.severity, f.cell) for f in sub.report.findings)


def test_generated_form_has_the_new_columns_and_tables(env):
    ws, blanks, _ = env
    wb = openpyxl.load_workbook(blanks["RD"])
    sheet = wb[load_catalog().form("change").sheet("zh")]
    texts = {label_key(c.value) for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    for label in ("涉及任务", "受影响任务及建议日期（每个任务一行）", "建议开始日期", "建议截止日期",
                  "审批记录（仅牵头部门填写）", "审批人", "审批日期", "审批结果", "牵头人评估意见"):
        assert label_key(label) in texts, label
    assert {"xl_change_requests", "xl_change_affected", "xl_change_decisions"} <= set(sheet.tables)
    assert check_file(blanks["RD"], ws).report.findings == []


def test_two_tasks_with_proposed_dates_read_back(env):
    sub = submit(env, "RD", {
        "requests": [request(tasks_affected="RD-001, mk-003")],
        "affected": [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": D(2026, 11, 27)},
                     {"change_ref": "rd-c01", "task_id": "MK-003", "proposed_start": D(2026, 11, 30),
                      "proposed_due": D(2026, 12, 18)},
                     {"change_ref": "RD-C01", "task_id": "RD-002", "proposed_start": D(2026, 12, 1)}]},
        "two.xlsx")
    assert codes(sub) == []
    [req] = requests_of(sub)
    assert req.department == "RD" and req.status == "pending" and req.change_type == "plan"
    assert req.tasks == ("RD-001", "MK-003", "RD-002")  # the column's, then the table's new ones
    assert req.proposed == {"RD-001": (None, D(2026, 11, 27)), "MK-003": (D(2026, 11, 30), D(2026, 12, 18)),
                            "RD-002": (D(2026, 12, 1), None)}


def test_unknown_change_id_and_due_before_start_are_errors(env):
    sub = submit(env, "RD", {
        "requests": [request()],
        "affected": [{"change_ref": "RD-C09", "task_id": "RD-001", "proposed_due": D(2026, 11, 27)},
                     {"change_ref": "RD-C01", "task_id": "RD-001", "proposed_start": D(2026, 12, 10),
                      "proposed_due": D(2026, 12, 1)},
                     {"change_ref": "RD-C01", "task_id": "NOT AN ID"}]},
        "bad.xlsx")
    found = {(c, s) for c, s, _ in codes(sub)}
    assert ("change-ref-unknown", "error") in found
    assert ("proposed-due-before-start", "error") in found
    assert ("bad-task-id", "error") in found
    ref = next(f for f in sub.report.findings if f.code == "change-ref-unknown")
    assert ref.value == "RD-C09" and ref.cell.startswith("A")
    assert "RD-C09" in ref.message("zh") and "RD-C09" in ref.message("en")


def test_requesting_departments_decision_is_ignored_with_a_warning(env):
    sub = submit(env, "RD", {
        "requests": [request(decision="批准")],
        "decisions": [{"change_ref": "RD-C01", "decision": "批准", "decided_by": "王磊"}]},
        "self.xlsx", received=dt.datetime(2026, 11, 20, 9, 0))
    warnings = [f for f in sub.report.findings if f.code == "change-decision-ignored"]
    assert len(warnings) == 2 and all(f.severity == "warning" for f in warnings)
    assert sub.report.valid
    for lang in ("zh", "en"):  # the lead named as the workbook (zh) names it
        text = warnings[0].message(lang)
        assert "项目管理办公室" in text and "RD-C01" in text
    assert "master" in warnings[0].message("en") and "总表" in warnings[0].message("zh")
    # and the register does not count it: RD is not the lead
    [req] = register(requests_of(sub), {}, lead_decisions(None))
    assert req.status == "pending"


def test_lead_decides_in_its_own_workbook(env):
    rd = submit(env, "RD", {"requests": [request(), request("RD-C02")]}, "rd.xlsx")
    pmo = submit(env, "PMO", {
        "requests": [request("PMO-C01", requesting_department="项目管理办公室", decision="驳回")],
        "decisions": [{"change_ref": "rd-c01", "decision": "批准", "decided_by": "周敏", "decided_on": D(2026, 11, 23),
                       "comment": "同意"}]},
        "pmo.xlsx", received=dt.datetime(2026, 11, 24, 10, 0))
    assert [f.code for f in pmo.report.findings if f.code.startswith("change")] == []  # the lead may decide
    reqs = register(requests_of(rd) + requests_of(pmo), {}, lead_decisions(pmo))
    by_id = {r.change_id: r for r in reqs}
    assert (by_id["RD-C01"].status, by_id["RD-C01"].decided_by, by_id["RD-C01"].decided_on,
            by_id["RD-C01"].decided_in) == ("approved", "周敏", D(2026, 11, 23), "lead")
    assert by_id["RD-C02"].status == "pending" and by_id["RD-C02"].decided_in == ""
    assert (by_id["PMO-C01"].status, by_id["PMO-C01"].decided_on) == ("rejected", D(2026, 11, 24))


def test_old_workbook_without_the_new_tables_still_reads(env, tmp_path):
    """A spec 1.0 workbook: the change sheet has only the requests table, without "tasks affected"."""
    ws, blanks, _ = env
    path = fill(ws, blanks["RD"], tmp_path / "old.xlsx",
                {"wbs": {"card": UPDATE, "tables": {"tasks": [task(1)]}}, "change": {"tables": {"requests": [request()]}}})
    wb = openpyxl.load_workbook(path)
    sheet = wb[load_catalog().form("change").sheet("zh")]
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and label_key(cell.value) in (label_key("涉及任务"),):
                for below in sheet.iter_rows(min_row=cell.row, min_col=cell.column, max_col=cell.column):
                    below[0].value = None
    for name in list(sheet.tables):
        if name != "xl_change_requests":
            del sheet.tables[name]
    last = min(c.row for row in sheet.iter_rows() for c in row
               if isinstance(c.value, str) and c.value.startswith("受影响任务"))
    sheet.delete_rows(last, sheet.max_row - last + 1)
    wb.save(path)
    sub = check_file(path, ws)
    assert sub.report.findings == []
    [req] = requests_of(sub)
    assert req.tasks == () and req.proposed == {} and req.change_id == "RD-C01"
