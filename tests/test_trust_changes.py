"""Issue 18 items 6, 7, 8, 11: decisions mean what was decided, as a coordinator and departments work.

R&D and Marketing each file a change request "C-01" (two requests, known as RD:C-01 and MK:C-01);
R&D also files RD-C02 naming a task no plan has, Marketing's task, and a start before the project's.
The coordinator approves RD:C-01 in the master by typing "同意 " (a common word, with a space), and
types "看情况" on RD-C02 (not a decision: reported at its row). Only R&D's task is re-baselined, dated
by the merge's as-of day; rejecting it afterwards withdraws the re-baseline (its row kept)."""
from __future__ import annotations

import datetime as dt

import pytest

from coord_helpers import edit
from guard_e2e_helpers import EN_DEPT, blank, body, last_mail, run_one, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.features.control.baselines import ACCEPTED, Baselines
from xlflow.features.control.register import change_register
from xlflow.features.control.words import decision_code
from xlflow.i18n import msg
from xlflow.output.department import workbook_name
from xlflow.service import merge
from xlflow.service.weekly import make_brief
from xlflow.spec.catalog import load_catalog
from xlflow.spec.master import load_master_spec
from xlflow.store.state import StateDB
from xlflow.week.brief.render import render_brief

FEEDBACK: dict[str, str] = {}  # the departments' feedback mails, as the story sent them
W1, W2, W3 = dt.date(2026, 11, 13), dt.date(2026, 11, 18), dt.date(2026, 11, 20)
OLD, RD_DUE, MK_DUE, EARLY = dt.date(2026, 12, 4), dt.date(2026, 12, 11), dt.date(2026, 12, 25), dt.date(2020, 1, 6)


def request(cid: str, tasks: str, content: str, dept: str = "RD") -> dict:
    return {"change_id": cid, "requesting_department": EN_DEPT[dept], "date": W2, "change_type": "Plan", "content": content, "reason": "late",
            "impact": "a week", "tasks_affected": tasks}


def drop(ws, dept: str, rows: list[dict], update: dt.date, change: dict | None = None):
    forms = {"wbs": {"card": {"update_date": update}, "tables": {"tasks": rows}}}
    if change:
        forms["change"] = {"tables": change}
    fill(ws, blank(ws, dept), ws.folder("inbox") / workbook_name(ws, dept, "en"), forms)
    outcome = run_one(ws, update)
    assert outcome.result == "accepted"
    return outcome


def headers():
    sheet = next(s for s in load_master_spec().sheets if s.id == "changes")
    key = next(f for f in load_catalog().form("change").table("requests").fields if f.key == "change_id").label("en")
    return msg("master-sheet-changes", "en"), key, sheet.column("decision").label("en")


def brief_text(ws) -> str:
    return render_brief(ws, make_brief(ws, W3, "en"))[1]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    ws = make_ws(tmp_path_factory.mktemp("trust") / "ws")
    drop(ws, "RD", [task("RD", 1), task("RD", 2)], W1)
    drop(ws, "MK", [task("MK", 1)], W1)
    drop(ws, "RD", [task("RD", 1), task("RD", 2)], W2, {
        "requests": [request("C-01", "RD-001", "RD moves"), request("RD-C02", "ZZ-999, MK-001", "odd")],
        "affected": [{"change_ref": "C-01", "task_id": "RD-001", "proposed_due": RD_DUE},
                     {"change_ref": "RD-C02", "task_id": "MK-001", "proposed_start": EARLY}]})
    FEEDBACK["RD"] = body(last_mail(ws))
    drop(ws, "MK", [task("MK", 1)], W2, {"requests": [request("C-01", "MK-001", "MK moves", "MK")],
                                        "affected": [{"change_ref": "C-01", "task_id": "MK-001",
                                                      "proposed_due": MK_DUE}]})
    first = merge.merge_workspace(ws, as_of=W2)
    sheet, key, decision = headers()
    edit(first.master_path, sheet, key, {("RD:C-01", decision): "同意 ", ("RD-C02", decision): "看情况"})
    decided = merge.merge_workspace(ws, as_of=W3)
    return ws, first, decided


def test_one_change_id_in_two_departments_is_two_requests_and_a_decision_applies_to_its_row(story):
    ws, first, decided = story
    assert {r.ref for r in first.changes} == {"RD:C-01", "MK:C-01", "RD-C02"}
    by_ref = {r.ref: r for r in decided.changes}
    assert (by_ref["RD:C-01"].status, by_ref["MK:C-01"].status) == ("approved", "pending")
    current = Baselines(StateDB(ws.state_db)).current()
    assert (current["RD-001"].due, current["RD-001"].reason) == (RD_DUE, "RD:C-01")
    assert (current["MK-001"].due, current["MK-001"].reason) == (OLD, ACCEPTED)  # the other C-01: untouched


def test_a_re_baseline_is_dated_by_the_merges_day(story):
    ws, _, _ = story
    assert Baselines(StateDB(ws.state_db)).current()["RD-001"].set_at.date() == W3


@pytest.mark.parametrize("text,code", [
    ("同意", "approved"), ("通过", "approved"), ("批准", "approved"), ("已批准", "approved"), ("yes", "approved"),
    ("Approve ", "approved"), ("APPROVED", "approved"), (" 同 意 ", "approved"), ("ＹＥＳ", "approved"),
    ("驳回", "rejected"), ("不同意", "rejected"), ("reject", "rejected"), ("Rejected.", "rejected"),
    ("待定", "pending"), ("看情况", None), ("maybe", None)])
def test_decisions_in_common_words(text, code):
    assert decision_code(text, load_catalog().enums["decision"]) == code


def test_text_that_is_no_decision_is_reported_at_its_row_in_the_merge_and_the_brief(story):
    ws, _, decided = story
    line = msg("changes-check-decision-unknown", "en", change="RD-C02", text="看情况")
    assert line in decided.summary("en")
    assert line in brief_text(ws)


def test_request_checks_fire_in_the_merge_and_the_brief(story):
    ws, _, decided = story
    lines = decided.summary("en")
    unknown = msg("changes-check-unknown-task", "en", change="RD-C02", department="RD", task="ZZ-999")
    other = msg("changes-check-other-department", "en", change="RD-C02", department="RD", task="MK-001", owner="MK")
    early = msg("changes-check-before-start", "en", change="RD-C02", task="MK-001", date=EARLY.isoformat(),
                start=ws.project.start.isoformat())
    assert {unknown, other, early} <= set(lines)
    text = brief_text(ws)
    assert unknown in text and other in text and early in text
    [odd] = [r for r in change_register(ws, StateDB(ws.state_db)) if r.ref == "RD-C02"]
    assert odd.proposed["MK-001"] == (None, None)  # the date before the start is refused: never a baseline


def test_rejecting_withdraws_the_re_baseline_and_approving_again_brings_it_back(story):
    ws, _, decided = story
    db = StateDB(ws.state_db)
    sheet, key, decision = headers()
    edit(decided.master_path, sheet, key, {("RD:C-01", decision): "驳回"})
    rejected = merge.merge_workspace(ws, as_of=W3 + dt.timedelta(days=1))
    assert {r.ref: r.status for r in rejected.changes}["RD:C-01"] == "rejected"
    current = Baselines(db).current()["RD-001"]
    assert (current.due, current.reason) == (OLD, ACCEPTED)
    assert [b.reason for b in Baselines(db).history("RD-001")] == [ACCEPTED, "RD:C-01"]  # history kept
    edit(rejected.master_path, sheet, key, {("RD:C-01", decision): None})  # cleared: still withdrawn
    merge.merge_workspace(ws, as_of=W3 + dt.timedelta(days=2))
    assert Baselines(db).current()["RD-001"].reason == ACCEPTED
    master = merge.master_paths(ws, W3)[0]
    edit(master, sheet, key, {("RD:C-01", decision): "approved"})
    merge.merge_workspace(ws, as_of=W3 + dt.timedelta(days=3))
    assert (Baselines(db).current()["RD-001"].due, Baselines(db).current()["RD-001"].reason) == (RD_DUE, "RD:C-01")


def test_the_requesting_departments_feedback_says_so_at_the_cells(story):
    text = FEEDBACK["RD"]
    assert "ZZ-999" in text and "is not in the project's current plan" in text
    assert "MK-001" in text and "is MK's: MK is told at the merge" in text
    assert EARLY.isoformat() in text and "before the project's start" in text
