"""Issue 18 item 5: an approval binds to what was proposed when it was decided. R&D's RD-C01 (RD-001
to 12-11) is approved by the lead; R&D then changes the request to 12-31 and adds RD-002, and moves
its tasks accordingly. The approval still covers only 12-11 for RD-001; the request as it is now is
revision 2, awaiting a decision on its own row; the moves only it would cover are flagged (pending)
until the coordinator approves that row."""
from __future__ import annotations

import datetime as dt

import pytest

from coord_helpers import edit
from guard_e2e_helpers import task
from test_trust_changes import W1, W2, W3, drop, headers, request
from watch_helpers import make_ws
from xlflow.features.control.baselines import Baselines
from xlflow.features.control.week import plan_control, plan_dates
from xlflow.i18n import msg
from xlflow.service import merge
from xlflow.store.state import StateDB

OLD, FIRST, LATER = dt.date(2026, 12, 4), dt.date(2026, 12, 11), dt.date(2026, 12, 31)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    ws = make_ws(tmp_path_factory.mktemp("rev") / "ws")
    drop(ws, "RD", [task("RD", 1), task("RD", 2)], W1)
    drop(ws, "PMO", [task("PMO", 1)], W1)
    drop(ws, "RD", [task("RD", 1), task("RD", 2)], W2, {
        "requests": [request("RD-C01", "RD-001", "move")],
        "affected": [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": FIRST}]})
    drop(ws, "PMO", [task("PMO", 1)], W2, {"decisions": [
        {"change_ref": "RD-C01", "decision": "Approved", "decided_by": "Zhou Min", "decided_on": W2}]})
    approved = merge.merge_workspace(ws, as_of=W2)
    drop(ws, "RD", [task("RD", 1, due=LATER), task("RD", 2, due=LATER)], W3, {
        "requests": [request("RD-C01", "RD-001, RD-002", "move more")],
        "affected": [{"change_ref": "RD-C01", "task_id": "RD-001", "proposed_due": LATER},
                     {"change_ref": "RD-C01", "task_id": "RD-002", "proposed_due": LATER}]})
    revised = merge.merge_workspace(ws, as_of=W3)
    return ws, approved, revised


def test_the_approval_covers_what_was_decided_and_the_change_is_a_new_revision(story):
    ws, approved, revised = story
    assert [(r.ref, r.status) for r in approved.changes] == [("RD-C01", "approved")]
    by_ref = {r.ref: r for r in revised.changes}
    assert set(by_ref) == {"RD-C01", "RD-C01 r2"}
    assert by_ref["RD-C01"].status == "approved" and by_ref["RD-C01"].proposed == {"RD-001": (None, FIRST)}
    assert by_ref["RD-C01 r2"].status == "pending" and by_ref["RD-C01 r2"].tasks == ("RD-001", "RD-002")
    assert msg("changes-check-revised", "en", change="RD-C01", revision="RD-C01 r2") in revised.summary("en")
    current = Baselines(StateDB(ws.state_db)).current()
    assert (current["RD-001"].due, current["RD-001"].reason) == (FIRST, "RD-C01")  # not 12-31
    assert current["RD-002"].due == OLD


def test_moves_beyond_the_decision_are_flagged_until_the_revision_is_decided(story):
    ws, _, revised = story
    control = plan_control(ws, StateDB(ws.state_db), plan_dates(revised.plan))
    moves = {(m.task_id, m.kind): m.status for m in control.moves}
    assert moves[("RD-001", "due")] == "pending" and moves[("RD-002", "due")] == "pending"
    sheet, key, decision = headers()
    edit(revised.master_path, sheet, key, {("RD-C01 r2", decision): "批准"})
    decided = merge.merge_workspace(ws, as_of=W3 + dt.timedelta(days=1))
    assert {r.ref: r.status for r in decided.changes} == {"RD-C01 r2": "approved"}
    current = Baselines(StateDB(ws.state_db)).current()
    assert (current["RD-001"].due, current["RD-001"].reason) == (LATER, "RD-C01 r2")
    assert (current["RD-002"].due, current["RD-002"].reason) == (LATER, "RD-C01 r2")
    control = plan_control(ws, StateDB(ws.state_db), plan_dates(decided.plan))
    assert {m.status for m in control.moves if m.task_id in ("RD-001", "RD-002")} == {"approved"}
