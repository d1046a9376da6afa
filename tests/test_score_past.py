"""A week record keeps its scorecard's finished weeks once (features/scorecard/past.py): a merge
stores its own week's figures and the traces, and names its past; loading the record puts the past
back, equal to what the merge computed. Records that hold the scorecard whole (the release before)
load as they are; a past lost from the database is computed again."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib

import pytest

from guard_e2e_helpers import run, task
from test_brief_exact import _drop
from watch_helpers import make_ws
from xlflow.features.control.moves import Control
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB
from xlflow.week import codec, stored as weekrecord
from xlflow.week.brief import render_brief
from xlflow.week.build import load_week
from xlflow.week.parts import BaselineDates

D = dt.date
W46, W47, W48 = D(2026, 11, 13), D(2026, 11, 20), D(2026, 11, 27)  # Fridays


def _week(ws, day: dt.date, percent: int) -> None:
    _drop(ws, "PMO", [task("PMO", 1, percent=percent)], day)
    _drop(ws, "RD", [task("RD", 1, due=D(2026, 12, 18)), task("RD", 2, percent=percent)], day)
    outcomes = run(ws, day)
    assert [o.result for o in outcomes] == ["accepted", "accepted"], [o.line("en") for o in outcomes]


def _past_rows(db: StateDB) -> int:
    with db.transaction() as con:
        return con.execute("SELECT count(*) FROM score_past").fetchone()[0]


def _body(db: StateDB, day: dt.date) -> dict:
    body = weekrecord.read(db, day)
    assert isinstance(body, dict)
    return body


@pytest.fixture
def ws(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _week(ws, W46, 20)
    _week(ws, W47, 40)
    return ws


def test_a_record_holds_its_own_week_and_loads_the_whole_scorecard(ws):
    db = StateDB(ws.state_db)
    merged = merge_workspace(ws, as_of=W47).week()
    body = _body(db, W47)
    stored = codec.decode_week(body["state"]).scorecard
    assert body["score_past"]["weeks"] == 1 and stored is not None and len(stored.weeks) == 1
    assert all(len(d.weeks) == 1 for d in stored.departments)
    loaded = load_week(ws, W47, db)
    assert loaded == merged and loaded.scorecard is not None and len(loaded.scorecard.weeks) == 2


def test_a_finished_week_is_written_once_and_past_briefs_stay_byte_identical(ws):
    db = StateDB(ws.state_db)
    brief = make_brief(ws, W47, "en")
    rendered = render_brief(ws, brief)
    rows = _past_rows(db)
    merge_workspace(ws, as_of=W47)  # the same week again: its past is there already
    assert _past_rows(db) == rows == 1
    _week(ws, W48, 60)
    assert _past_rows(db) == 2  # week 47 finished: one row more, week 46's kept
    assert _body(db, W48)["score_past"]["weeks"] == 2
    again = make_brief(ws, W47, "en")
    assert again == brief and render_brief(ws, again) == rendered
    assert load_week(ws, W48, db).scorecard is not None and len(load_week(ws, W48, db).scorecard.weeks) == 3


def test_a_record_with_the_whole_scorecard_inside_loads_as_it_is(ws):
    db = StateDB(ws.state_db)
    week = merge_workspace(ws, as_of=W47).week()
    body = _body(db, W47)
    body.pop("score_past")
    body["state"] = codec.encode(dataclasses.replace(week, tasks=(), previous_tasks=None, older_tasks=None,
                                                     previous_date=codec.decode_week(body["state"]).previous_date,
                                                     older_date=codec.decode_week(body["state"]).older_date))
    with db.transaction() as con:
        con.execute("UPDATE week_records SET data=? WHERE as_of=?",
                    (zlib.compress(json.dumps(body).encode("utf-8")), W47.isoformat()))
        con.execute("DELETE FROM score_past")  # the release before kept none
    assert load_week(ws, W47, db) == week


def test_a_past_lost_from_the_database_is_computed_again(ws):
    db = StateDB(ws.state_db)
    week = merge_workspace(ws, as_of=W47).week()
    with db.transaction() as con:
        con.execute("DELETE FROM score_past")
    assert load_week(ws, W47, db) == week


def test_a_controls_baselines_are_stored_by_columns_and_the_older_form_still_reads():
    bases = {f"RD-{i:03d}": BaselineDates(D(2026, 11, i + 1), D(2026, 12, i + 1) if i % 2 else None) for i in range(6)}
    control = Control(bases, {"RD-001": 2}, (), D(2027, 1, 8))
    data = codec.encode(control)
    assert list(data["baselines"]) == ["$keys", "$values"] and data["baselines"]["$keys"] == list(bases)
    assert codec.decode(data) == control
    older = {**data, "baselines": {k: codec.encode(v) for k, v in bases.items()}}  # as the release before wrote it
    assert codec.decode(older) == control
    few = Control({"RD-001": bases["RD-001"]})
    assert codec.decode(codec.encode(few)) == few and "$keys" not in codec.encode(few)["baselines"]
