"""The week record, version 2: the merge computes the week once, stores it whole and hands the same
value to the channels; load_week reads it back equal; a record of the release before (version 1,
rewritten from a workspace made by the current merge) loads to the same week through its parts."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from test_brief_record import W46, week_46
from week_helpers import as_version_1
from xlflow.features.coordinator.notices import LayerNotice
from xlflow.service.merge import merge_workspace
from xlflow.store.state import StateDB
from xlflow.week import codec, stored as weekrecord
from xlflow.week.build import load_week
from xlflow.week.state import Task
from xlflow.week.tasks import department_weeks


@pytest.fixture
def ws(tmp_path):
    ws = week_46(tmp_path)
    return ws


def test_the_merge_stores_the_week_whole_and_hands_it_to_the_channels(ws):
    result = merge_workspace(ws, as_of=W46)  # after the intake recorded its file: the journal is complete
    db = StateDB(ws.state_db)
    body = weekrecord.read(db, W46)
    assert isinstance(body, dict) and body["state"]["$c"] == "WeekState"
    week = result.week()
    assert week is result.week()  # computed once
    assert load_week(ws, W46, db) == week  # the scorecard, the control, the register: as stored
    assert week.scorecard is not None and week.task("RD-001").baseline_due is not None
    assert week.previous_tasks is not None and all(t.baseline_due is not None for t in week.previous_tasks)


def test_a_record_of_the_release_before_loads_to_the_same_week(ws):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    now = load_week(ws, W46, db)
    as_version_1(ws, db, W46)
    assert weekrecord.load(db, W46) is not None and not isinstance(weekrecord.read(db, W46), dict)
    assert load_week(ws, W46, db) == now  # the scorecard computed again, the same


def test_the_codec_gives_back_what_it_stored(ws):
    week = load_week(ws, W46)
    assert codec.decode(codec.encode(week)) == week
    odd = dataclasses.replace(week, risks=(), critical_path=("A", "B"), actions=(),
                              master_notices=(LayerNotice("coord-stale", '{"file": "m.xlsx", "generation": 1}'),))
    assert codec.decode(codec.encode(odd)) == odd
    with pytest.raises(codec.UnknownValue):
        codec.encode(object())


def test_values_held_twice_and_columns_of_dicts_are_stored_as_each_alone():
    """A tuple held twice (the week's moves are its control's) is encoded once, the same data; a column of
    plain dicts (problems' details) is copied as _encode makes each, any other dict encoded."""
    from xlflow.week.state import LinkProblem

    problems = tuple(LinkProblem("cycle", "RD", f"RD-{i}", detail=detail) for i, detail in enumerate(
        [{"zh": "环", "en": "cycle"}, {"zh": "", "en": ""}, {"$zh": "x"}, {"zh": dt.date(2026, 1, 5)}, {1: "one"}]))
    for held in (problems[:2] * 3, problems):
        data = codec.encode((held, held))
        assert data["$t"][0] is data["$t"][1] and codec.decode(data) == (held, held)
        assert data["$t"][0] == {"$rows": "LinkProblem", "keys": list(codec._FIELDS[LinkProblem]), "columns": [
            [getattr(p, k) for p in held] if k != "detail" else {"$each": [codec.encode(p.detail) for p in held]}
            for k in codec._FIELDS[LinkProblem]]}


def test_a_stored_week_decodes_to_a_week_or_says_what_it_holds(ws):
    week = load_week(ws, W46)
    assert codec.decode_week(codec.encode(week)) == week
    with pytest.raises(codec.UnknownValue, match="Task, not a WeekState"):
        codec.decode_week(codec.encode(week.tasks[0]))
    with pytest.raises(codec.UnknownValue, match="where the codec wrote a list"):
        codec.decode({"$t": "not a list"})


def test_a_done_task_without_a_percent_counts_100_everywhere(ws):
    tasks = [Task("RD", "RD-001", status="done", percent=None), Task("RD", "RD-002", status="in_progress", percent=50)]
    week = load_week(ws, W46)
    (rd,) = [d for d in department_weeks(ws, tasks, [], week.week, W46) if d.code == "RD"]
    assert rd.percent == 75.0
