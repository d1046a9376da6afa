"""Baselines end to end: generated workbooks filled by labels, dropped into the inbox and taken in by
the real intake; the baselines read back from the state database. A baseline is the task as first
accepted and is never overwritten; `revert` does not move it; a workspace whose history predates
baselines gets them from its task snapshots."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from guard_e2e_helpers import run_one, submit, task
from watch_helpers import make_ws
from xlflow.errors import UsageError
from xlflow.features.control.baselines import ACCEPTED, BACKFILL, Baselines
from xlflow.features.control.commands import backfill, set_named
from xlflow.service.merge import merge_workspace
from xlflow.service.versions import revert
from xlflow.store.state import StateDB

W1, W2 = dt.date(2026, 11, 13), dt.date(2026, 11, 20)


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


def test_a_baseline_is_the_task_as_first_accepted_and_is_never_overwritten(ws):
    submit(ws, "RD", [task("RD", 1, owner="Li"), task("RD", 2)], W1)
    assert run_one(ws, W1).result == "accepted"
    store = Baselines(StateDB(ws.state_db))
    first = store.current()
    assert set(first) == {"RD-001", "RD-002"}
    assert (first["RD-001"].start, first["RD-001"].due, first["RD-001"].owner) == (
        dt.date(2026, 11, 2), dt.date(2026, 12, 4), "Li")
    assert first["RD-001"].reason == ACCEPTED and first["RD-001"].department == "RD"
    assert first["RD-001"].set_at.date() == W1

    # version 2 moves RD-001 and adds RD-003: the baseline of RD-001 stays, RD-003 gets its own
    submit(ws, "RD", [task("RD", 1, owner="Zhao", due=dt.date(2026, 12, 18)), task("RD", 2), task("RD", 3)], W2)
    assert run_one(ws, W2).result == "accepted"
    now = store.current()
    assert (now["RD-001"].due, now["RD-001"].owner) == (dt.date(2026, 12, 4), "Li")
    assert now["RD-003"].set_at.date() == W2
    assert len(store.history("RD-001")) == 1

    # a revert is a new version: it records nothing over the baselines either
    revert(ws, "RD", 1, W2)
    assert store.current() == now


def test_a_workspace_older_than_baselines_gets_them_from_its_snapshots(ws):
    submit(ws, "RD", [task("RD", 1)], W1)
    assert run_one(ws, W1).result == "accepted"
    db = StateDB(ws.state_db)
    with db.transaction() as con:  # as a database written before baselines existed
        con.execute("DELETE FROM baselines")
    submit(ws, "RD", [task("RD", 1, due=dt.date(2026, 12, 11)), task("RD", 2)], W2)
    assert run_one(ws, W2).result == "accepted"
    found = Baselines(db).current()
    assert found["RD-001"].reason == BACKFILL and found["RD-001"].due == dt.date(2026, 12, 4)
    assert found["RD-002"].reason == ACCEPTED and found["RD-002"].due == dt.date(2026, 12, 4)
    assert backfill(db) == 0  # once only


def test_named_baselines_each_stay_available(ws):
    submit(ws, "RD", [task("RD", 1)], W1)
    run_one(ws, W1)
    db = StateDB(ws.state_db)
    set_named(db, "kick-off", W1)
    submit(ws, "RD", [task("RD", 1, due=dt.date(2026, 12, 11))], W2)
    run_one(ws, W2)
    set_named(db, "week 47", None)
    store = Baselines(db)
    assert [n.name for n in store.list_named()] == ["kick-off", "week 47"]
    assert store.named("kick-off")["RD-001"].due == dt.date(2026, 12, 4)
    assert store.named("week 47")["RD-001"].due == dt.date(2026, 12, 11)
    with pytest.raises(UsageError) as err:
        set_named(db, "kick-off", None)
    assert "kick-off" in err.value.message("en") and "never overwritten" in err.value.message("en")
    with pytest.raises(UsageError):
        set_named(db, "too early", dt.date(2026, 11, 1))
    merge_workspace(ws, as_of=W2)
    assert store.named("kick-off")["RD-001"].due == dt.date(2026, 12, 4)


def _cli(*args: str):
    from click.testing import CliRunner

    from xlflow.cli import main
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_baseline_set_list_and_show_from_the_command_line(ws):
    submit(ws, "RD", [task("RD", 1)], W1)
    run_one(ws, W1)
    submit(ws, "RD", [task("RD", 1, due=dt.date(2026, 12, 11)), task("RD", 2)], W2)
    run_one(ws, W2)
    w = str(ws.root)
    assert "No named baseline yet" in _cli("baseline", "-w", w, "list").output
    made = _cli("baseline", "-w", w, "set", "kick-off", "--as-of", W1.isoformat())
    assert made.exit_code == 0 and 'Baseline "kick-off" set: the plan of 2026-11-13, 1 task' in made.output
    assert _cli("baseline", "set", "week 47", "-w", w).exit_code == 0  # -w after the subcommand works too
    listed = _cli("baseline", "-w", w, "--lang", "zh", "list").output.splitlines()
    assert [line.split("　")[0] for line in listed] == ["kick-off", "week 47"]
    assert "2026-11-13 的计划" in listed[0] and "2026-11-20 的计划" in listed[1]
    shown = _cli("baseline", "-w", w, "show", "kick-off").output
    assert "RD-001 (RD) start 2026-11-02  due 2026-12-04" in shown and "RD-002" not in shown
    current = _cli("baseline", "-w", w, "show").output
    assert "RD-001 (RD) start 2026-11-02  due 2026-12-04  owner Wang · as first accepted (2026-11-13)" in current
    assert "RD-002 (RD)" in current and "(2026-11-20)" in current
    again = _cli("baseline", "-w", w, "set", "kick-off")
    assert again.exit_code == 2 and "never overwritten" in again.output
    unknown = _cli("baseline", "-w", w, "show", "nope")
    assert unknown.exit_code == 2 and "kick-off, week 47" in unknown.output


def test_baseline_errors_speak_the_workspaces_language_with_w_before_the_subcommand(tmp_path):
    ws = make_ws(tmp_path / "zh", lang="zh")
    submit(ws, "RD", [task("RD", 1)], W1)
    run_one(ws, W1)
    w = str(ws.root)
    assert _cli("baseline", "-w", w, "set", "启动基线").exit_code == 0
    again = _cli("baseline", "-w", w, "set", "启动基线")
    assert again.exit_code == 2 and "已有名为“启动基线”的基线" in again.output, again.output
    assert not re.search(r"\dT\d", again.output), again.output  # set 2026-12-04 17:57, not an ISO stamp
    unknown = _cli("baseline", "-w", w, "show", "nope")
    assert unknown.exit_code == 2 and "没有名为“nope”的基线" in unknown.output, unknown.output


def test_the_slip_counts_working_days_of_the_workspace_calendar():
    from xlflow.features.control.baselines import Baseline
    from xlflow.features.control.moves import TaskDates, control
    from xlflow.workdays import WorkCalendar

    when = dt.datetime(2026, 11, 13, 9).astimezone()
    base = {"A-1": Baseline("A-1", "A", dt.date(2026, 11, 2), dt.date(2026, 12, 4), "Li", ACCEPTED, when),
            "A-2": Baseline("A-2", "A", dt.date(2026, 11, 2), dt.date(2026, 12, 4), "Li", ACCEPTED, when)}
    tasks = [TaskDates("A-1", "A", dt.date(2026, 11, 2), dt.date(2026, 12, 11)),  # Fri -> next Fri
             TaskDates("A-2", "A", dt.date(2026, 11, 2), dt.date(2026, 12, 2))]  # two days earlier
    plain = control(tasks, base, base, [], WorkCalendar())
    assert plain.slips == {"A-1": 5, "A-2": -2} and plain.slipped == 1
    holiday = control(tasks, base, base, [], WorkCalendar(holidays=[dt.date(2026, 12, 8)]))
    assert holiday.slips["A-1"] == 4
    assert [(m.task_id, m.days, m.status) for m in holiday.moves] == [("A-1", 4, "unapproved"), ("A-2", -2, "unapproved")]
    assert plain.baseline_end == dt.date(2026, 12, 4)
