"""Per-rule checks on real generated workbooks filled with openpyxl: assertions on (code, cell)."""
from __future__ import annotations

import datetime as dt

import pytest

from validate_helpers import blank_rd, fill, patch_parts, task
from xlflow.check.validate import check_file, task_rows

UPDATE = {"update_date": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return blank_rd(tmp_path_factory.mktemp("rules"))


def check(env, forms=None, cells=None, received=None, name="filled.xlsx"):
    ws, blank, root = env
    path = fill(ws, blank, root / name, forms, cells)
    return check_file(path, ws, received)


def wbs(*rows, card=UPDATE):
    return {"wbs": {"card": card, "tables": {"tasks": list(rows)}}}


def codes(sub, severity=None):
    """(code, cell) pairs in sorted order: the rules' order in the report is the reading order, tested apart."""
    return sorted((f.code, f.cell) for f in sub.report.findings if severity is None or f.severity == severity)


def test_blank_generated_workbook_is_valid(env):
    ws, blank, _ = env
    sub = check_file(blank, ws)
    assert sub.report.findings == [] and sub.valid and sub.department == "RD"
    assert task_rows(sub) == ()


def test_valid_tasks_become_clean_rows(env):
    sub = check(env, wbs(task(1), task(2, predecessors="RD-001, MK-003", status="已完成", percent=100,
                                       actual_finish=dt.date(2026, 10, 29))))
    assert sub.valid, codes(sub)
    rows = task_rows(sub)
    assert [r.excel_row for r in rows] == [8, 9]
    first, second = rows[0].values, rows[1].values
    assert first["task_id"] == "RD-001" and first["owner_department"] == "RD" and first["status"] == "in_progress"
    assert first["start"] == dt.date(2026, 9, 1) and first["percent"] == 50.0 and first["predecessors"] is None
    assert second["predecessors"] == ("RD-001", "MK-003") and second["status"] == "done"
    assert rows[0].cells["status"] == "H8"
    assert sub.data.forms["wbs"].card == {"update_date": dt.date(2026, 11, 20)}


def test_required_fields(env):
    sub = check(env, wbs(task(1, owner=None, status=None)))
    assert codes(sub) == sorted([("required", "D8"), ("required", "H8")])


def test_card_required_when_sheet_used(env):
    sub = check(env, wbs(task(1), card={}))
    assert codes(sub) == sorted([("required", "B4")])


def test_kickoff_and_consensus_header_fields_required_only_when_used(env):
    # the project's name and code are prefilled by generate and do not make a form used; a sign date does
    sub = check(env, {"kickoff": {"card": {"project_name": "新品X上市", "initiator_sign_date": dt.date(2026, 9, 1)}},
                      "consensus": {"tables": {"criteria": [{"criterion": "响应时间", "metric": "平均响应", "target": "24h"}]}}})
    kick = sorted(c for s, c in [(f.sheet, f.cell) for f in sub.report.findings if f.code == "required"] if s == "启动申请表")
    assert kick == ["B10", "B11", "B6", "B7", "B8", "B9"]
    cons = [(f.code, f.cell) for f in sub.report.findings if f.sheet == "共识表"]
    assert cons == [("required", "B5"), ("required", "B6")]  # B4, the project name, is prefilled
    untouched = check(env, {})
    assert untouched.valid and untouched.report.findings == []


def test_enumerations_accept_code_zh_en_any_case(env):
    sub = check(env, wbs(task(1, status=" in_progress "), task(2, status="DONE", percent=100),
                         task(3, status="已完成", percent=100), task(4, status="Not Started", priority="High"),
                         task(5, status="完成了")))
    assert codes(sub) == sorted([("bad-enum", "H12")])
    assert [r.values["status"] for r in task_rows(sub)][:4] == ["in_progress", "done", "done", "not_started"]


def test_dates_text_serial_impossible(env):
    sub = check(env, wbs(task(1, start="2026-09-02", due="2026/11/20"), task(2, start="2026.9.3", due="2026年11月20日"),
                         task(3, start=46270, due="2026-02-30"), task(4, due="next week"), task(5, due=dt.date(1999, 1, 1))))
    assert codes(sub) == sorted([("text-date", "E8"), ("text-date", "F8"), ("text-date", "E9"), ("text-date", "F9"),
                          ("impossible-date", "F10"), ("bad-date", "F11"), ("date-out-of-range", "F12")])
    assert [f.severity for f in sub.report.findings][:4] == ["warning"] * 4
    rows = task_rows(sub)
    assert rows[1].values["due"] == dt.date(2026, 11, 20) and rows[2].values["start"] == dt.date(2026, 9, 5)


def test_percent_range_and_number(env):
    sub = check(env, wbs(task(1, percent=120), task(2, percent="abc"), task(3, percent="60%"), task(4, percent=-1)))
    assert codes(sub) == sorted([("out-of-range", "I8"), ("bad-number", "I9"), ("out-of-range", "I11")])
    assert task_rows(sub)[2].values["percent"] == 60.0


def test_task_ids_unique_prefixed_and_text(env):
    sub = check(env, wbs(task(1), task(1), task(2, task_id="MK-002"), task(3, task_id="001"), task(4, task_id="rd-004")))
    assert codes(sub) == sorted([("bad-task-id", "A11"), ("duplicate-id", "A9"), ("wrong-prefix", "A10")])
    assert task_rows(sub)[4].values["task_id"] == "RD-004"


def test_predecessors(env):
    sub = check(env, wbs(task(1, predecessors="RD-001"), task(2, predecessors="RD-001，RD-099"),
                         task(3, predecessors="MK-001; ZZ-001"), task(4, predecessors="RD 1")))
    assert codes(sub) == sorted([("bad-task-id", "G11"), ("self-predecessor", "G8"), ("unknown-predecessor", "G9"),
                          ("predecessor-department", "G10")])


def test_due_before_start(env):
    sub = check(env, wbs(task(1, start=dt.date(2026, 10, 1), due=dt.date(2026, 9, 30))))
    assert codes(sub) == sorted([("due-before-start", "F8")])


def test_done_needs_100_and_100_suggests_done(env):
    sub = check(env, wbs(task(1, status="已完成", percent=80), task(2, status="进行中", percent=100)))
    assert codes(sub) == sorted([("done-not-100", "I8"), ("100-not-done", "H9")])
    assert [f.severity for f in sub.report.findings] == ["error", "warning"]


def test_delayed_or_blocked_needs_reason(env):
    sub = check(env, wbs(task(1, status="滞后"), task(2, status="阻塞", reason="等待供应商"), task(3, status="Blocked")))
    assert codes(sub) == sorted([("reason-required", "J8"), ("reason-required", "J10")])


def test_overdue_in_progress_is_only_a_warning(env):
    sub = check(env, wbs(task(1, due=dt.date(2026, 10, 1)), task(2, due=dt.date(2026, 12, 1))),
                received=dt.datetime(2026, 11, 2, 9, 0))
    assert codes(sub) == sorted([("overdue", "F8")]) and sub.valid


def test_raci_one_a_at_least_one_r(env):
    raci = [{"item": "需求确认", "raci:RD": "R", "raci:PMO": "A", "raci:MK": "C"},
            {"item": "定价", "raci:RD": "A", "raci:MK": "A"},
            {"item": "发布", "raci:PMO": "I"}, {"item": "宣传", "raci:MK": "r", "raci:PMO": "a"},
            {"item": "物料", "raci:MK": "X"}]
    sub = check(env, {"raci": {"tables": {"matrix": raci}}})
    assert codes(sub) == sorted([("bad-enum", "D10"), ("raci-one-a", "A7"), ("raci-no-r", "A7"), ("raci-one-a", "A8"),
                          ("raci-no-r", "A8"), ("raci-one-a", "A10"), ("raci-no-r", "A10")])


def test_too_long_and_control_characters(env):
    ws, _, root = env
    path = fill(ws, env[1], root / "ctrl.xlsx", wbs(task(1, name="长" * 100_000), task(2, notes="BELLMARK")))
    patch_parts(path, {b"BELLMARK": b"bad_x0007_bell"})
    sub = check_file(path, ws)
    assert codes(sub) == sorted([("too-long", "B8"), ("control-chars", "L9")])


def test_other_forms_checked_by_spec(env):
    issues = [{"issue_id": "RD-R01", "kind": "风险", "description": "供应商延迟", "raised_by": "研发部",
               "raised_date": dt.date(2026, 9, 10), "impact": "高", "owner": "王磊", "status": "未关闭"},
              {"issue_id": "RD-R01", "kind": "问题", "description": "x", "raised_by": "研发部",
               "raised_date": dt.date(2026, 9, 10), "impact": "巨大", "owner": "王磊", "status": "未关闭"}]
    sub = check(env, {"issues": {"tables": {"log": issues}}})
    assert codes(sub) == sorted([("bad-enum", "F7"), ("duplicate-id", "A7")])


def test_messages_exist_in_both_languages_and_name_the_cell(env):
    sub = check(env, wbs(task(1, status="滞后")))
    [finding] = sub.report.findings
    zh, en = finding.message("zh"), finding.message("en")
    assert "J8" in zh and "J8" in en and "原因" in zh and "delayed" in en


def test_findings_come_in_reading_order(env):
    sub = check(env, wbs(task(1, status="delayed", reason=""), task(2, due=dt.date(2026, 1, 1)), task(1)))
    cells = [f.cell for f in sub.report.findings]
    rows = [int("".join(ch for ch in c if ch.isdigit())) for c in cells]
    assert rows == sorted(rows) and len(cells) >= 3


def test_a_fraction_in_the_percent_column_asks_whether_a_percentage_was_meant(env):
    sub = check(env, wbs(task(1, percent=0.5), task(2, percent=1)), name="fraction.xlsx")
    assert codes(sub) == [("percent-fraction", "I8")]
    (finding,) = sub.report.findings
    assert finding.severity == "warning" and "50" in finding.message("en")
