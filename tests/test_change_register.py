"""The change register end to end: departments drop workbooks with change requests into the inbox,
the intake checks and accepts them, the merge writes the master's Changes sheet, the brief lists
the pending ones as decisions needed. Decisions from the lead's workbook count; the requesting
department's own decision does not, and its feedback says who decides."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from guard_e2e_helpers import blank, body, last_mail, run, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.features.control.register import change_register
from xlflow.output.department import workbook_name
from xlflow.service.weekly import make_brief
from xlflow.spec.catalog import load_catalog
from xlflow.store.state import StateDB

W2 = dt.date(2026, 11, 20)


def request(cid: str, **values: object) -> dict:
    row = {"change_id": cid, "requesting_department": "R&D", "date": dt.date(2026, 11, 18), "change_type": "Plan",
           "content": f"{cid}: move the prototype", "reason": "New requirement", "impact": "One week later"}
    row.update(values)
    return row


def drop(ws, dept: str, change: dict, tasks: list[dict] | None = None) -> None:
    """The department's workbook with its tasks and change form, dropped into the inbox."""
    forms = {"wbs": {"card": {"update_date": W2}, "tables": {"tasks": tasks or [task(dept, 1), task(dept, 2)]}},
             "change": {"tables": change}}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)


@pytest.fixture
def ws(tmp_path):
    ws = make_ws(tmp_path / "ws")
    drop(ws, "MK", {})
    drop(ws, "RD", {
        "requests": [request("RD-C01", tasks_affected="RD-001"), request("RD-C02", content="+3 days, -2 later, @PMO: not a formula")],
        "affected": [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": dt.date(2026, 12, 11)},
                     {"change_ref": "RD-C01", "task_id": "MK-002", "proposed_start": dt.date(2026, 12, 14),
                      "proposed_due": dt.date(2026, 12, 18)}]})
    outcomes = run(ws, W2)
    assert [o.result for o in outcomes] == ["accepted", "accepted"], [o.line("en") for o in outcomes]
    return ws


def changes_sheet(ws) -> tuple[list, list[tuple]]:
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path)["Changes"]
    rows = [tuple(c.value for c in r) for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Change ID")
    return list(rows[header]), [r for r in rows[header + 1:] if r[0]]


def test_register_reads_every_departments_requests_pending(ws):
    reg = change_register(ws, StateDB(ws.state_db))
    assert [(r.change_id, r.department, r.status) for r in reg] == [("RD-C01", "RD", "pending"),
                                                                    ("RD-C02", "RD", "pending")]
    assert reg[0].tasks == ("RD-001", "MK-002")
    assert reg[0].proposed == {"RD-001": (None, dt.date(2026, 12, 11)),
                               "MK-002": (dt.date(2026, 12, 14), dt.date(2026, 12, 18))}


def test_the_changes_sheet_shows_the_register(ws):
    header, rows = changes_sheet(ws)
    assert header[:13] == ["Change ID", "Department", "Date", "Change type", "Content", "Reason",
                           "Impact assessment", "Tasks affected", "Proposed dates", "Status", "Decided by",
                           "Decided on", "Lead's assessment"]
    assert "Decision (coordinator)" in header and "Coordinator's comment" in header
    first = dict(zip(header, rows[0], strict=True))
    assert (first["Change ID"], first["Department"], first["Change type"], first["Status"]) == (
        "RD-C01", "RD", "Plan", "Pending")
    assert first["Date"] == dt.datetime(2026, 11, 18)
    assert first["Tasks affected"] == "RD-001, MK-002"
    assert first["Proposed dates"] == "RD-001: due → 2026-12-11; MK-002: start → 2026-12-14, due → 2026-12-18"
    second = dict(zip(header, rows[1], strict=True))
    assert second["Content"] == "+3 days, -2 later, @PMO: not a formula"  # text, never a formula


def test_the_changes_sheet_guards_text_and_colours_the_status(ws):
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path)["Changes"]
    content = next(c for r in sheet.iter_rows() for c in r if c.value == "+3 days, -2 later, @PMO: not a formula")
    assert content.data_type == "s"
    header, _ = changes_sheet(ws)
    status_col = openpyxl.utils.get_column_letter(header.index("Status") + 1)
    fills = {}
    for rng, rules in sheet.conditional_formatting._cf_rules.items():
        if str(rng.sqref).startswith(status_col):
            for rule in rules:
                fills[rule.formula[0].strip('"')] = rule.dxf.fill.bgColor.rgb[-6:]
    enum = load_catalog().enums["decision"]
    assert fills == {c.label.en: c.colour.lstrip("#") for c in enum.values}


def test_dashboard_counts_the_changes_to_decide(ws):
    path = next(ws.folder("master").glob("*-master.xlsx"))
    sheet = openpyxl.load_workbook(path)["Dashboard"]
    labels = {c.value: c.column for c in sheet[3] if c.value}
    assert sheet.cell(4, labels["Changes to decide"]).value == 2


def test_the_lead_decides_in_its_own_workbook(ws):
    drop(ws, "PMO", {"decisions": [{"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou",
                                    "decided_on": dt.date(2026, 11, 23)}]},
         tasks=[task("PMO", 1)])
    [outcome] = run(ws, dt.date(2026, 11, 23))
    assert outcome.result == "accepted" and outcome.warnings == 0
    reg = {r.change_id: r for r in change_register(ws, StateDB(ws.state_db))}
    assert (reg["RD-C01"].status, reg["RD-C01"].decided_by, reg["RD-C01"].decided_on) == (
        "approved", "Zhou", dt.date(2026, 11, 23))
    assert reg["RD-C02"].status == "pending"
    header, rows = changes_sheet(ws)
    first = dict(zip(header, rows[0], strict=True))
    assert (first["Status"], first["Decided by"], first["Decided on"]) == ("Approved", "Zhou", dt.datetime(2026, 11, 23))
    brief = make_brief(ws, dt.date(2026, 11, 23), "en")
    changes = [d for d in brief.decisions if d.kind == "change"]
    assert [d.ref for d in changes] == ["RD-C02"]  # approved is no longer a decision needed


def test_the_requesting_departments_own_decision_is_ignored_with_a_warning(tmp_path):
    ws = make_ws(tmp_path / "ws")
    drop(ws, "RD", {"requests": [request("RD-C01", tasks_affected="RD-001, MK-099", decision="Approved")]})
    [outcome] = run(ws, W2)
    assert outcome.result == "accepted" and outcome.warnings == 1  # MK has no plan yet: MK-099 not judged
    text = body(last_mail(ws))
    assert "RD-C01" in text and "Approved" in text and "master's Changes sheet" in text and "PMO" in text
    [req] = change_register(ws, StateDB(ws.state_db))
    assert req.status == "pending"
    header, rows = changes_sheet(ws)
    assert dict(zip(header, rows[0], strict=True))["Status"] == "Pending"


def test_tasks_not_in_the_project_are_warned_at_intake(ws):
    drop(ws, "RD", {"requests": [request("RD-C03", tasks_affected="MK-001, MK-077")],
                    "affected": [{"change_ref": "RD-C03", "task_id": "RD-404", "proposed_due": dt.date(2026, 12, 4)}]})
    [outcome] = run(ws, dt.date(2026, 11, 23))
    assert outcome.result == "accepted"
    text = body(last_mail(ws))
    findings = [line for line in text.splitlines() if "not in the project's current plan" in line]
    assert len(findings) == 2 and any("MK-077" in f for f in findings) and any("RD-404" in f for f in findings)
    assert not any("MK-001" in f for f in findings)  # MK's plan has it


def test_brief_lists_pending_requests_as_decisions_needed(ws):
    brief = make_brief(ws, W2, "en")
    changes = [d for d in brief.decisions if d.kind == "change"]
    assert [d.ref for d in changes] == ["RD-C01", "RD-C02"]
    assert changes[0].department_name == "R&D" and changes[0].since == dt.date(2026, 11, 18)
    assert "RD-001, MK-002" in changes[0].note and "MK-002: start → 2026-12-14" in changes[0].note
    zh = make_brief(ws, W2, "zh")
    assert "截止 → 2026-12-11" in [d for d in zh.decisions if d.kind == "change"][0].note


def test_the_coordinators_decision_in_the_layer_counts_and_wins_over_the_lead(ws):
    from xlflow.features.coordinator.table import CoordinatorLayer

    drop(ws, "PMO", {"decisions": [{"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou"},
                                   {"change_ref": "RD-C02", "decision": "Approved", "decided_by": "Zhou"}]},
         tasks=[task("PMO", 1)])
    run(ws, dt.date(2026, 11, 23))
    db = StateDB(ws.state_db)
    layer = CoordinatorLayer(db)
    layer.record("changes", "RD-C01", "decision", "rejected", "master")
    layer.record("changes", "RD-C01", "decided_on", "2026-11-24", "master")
    layer.record("changes", "RD-C02", "decision", "pending", "master")  # not a decision: the lead's counts
    reg = {r.change_id: r for r in change_register(ws, db)}
    assert (reg["RD-C01"].status, reg["RD-C01"].decided_in, reg["RD-C01"].decided_by, reg["RD-C01"].decided_on) == (
        "rejected", "master", "", dt.date(2026, 11, 24))
    assert (reg["RD-C02"].status, reg["RD-C02"].decided_in) == ("approved", "lead")
    layer.record("changes", "RD-C02", "decision", "rejected", "master")  # no date typed: the day it was read
    reg = {r.change_id: r for r in change_register(ws, db)}
    assert (reg["RD-C02"].status, reg["RD-C02"].decided_in, reg["RD-C02"].decided_on) == (
        "rejected", "master", dt.date.today())


def test_a_lead_decision_on_a_change_nobody_requested_is_warned(ws):
    drop(ws, "PMO", {"decisions": [{"change_ref": "RD-C01", "decision": "Approved"},
                                   {"change_ref": "RD-C77", "decision": "Rejected"}]}, tasks=[task("PMO", 1)])
    [outcome] = run(ws, dt.date(2026, 11, 23))
    assert outcome.result == "accepted" and outcome.warnings == 1
    text = body(last_mail(ws))
    assert "RD-C77" in text and "No department has requested" in text and "RD-C01" not in text
