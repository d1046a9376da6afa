"""The scorecard's past weeks are computed once and kept in the state database (features/scorecard/table.py),
keyed by everything they depend on; the merge reads the baselines once for all its steps
(store.baselines.TaskBaselines). Checked on the hand-computed project of scorecard_helpers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil

import pytest

from scorecard_helpers import AS_OF, D, play
from xlflow.config import load_workspace
from xlflow.features.control.baselines import Baselines
from xlflow.features.scorecard import compute_scorecard, week as service
from xlflow.features.scorecard.week import make_scorecard
from xlflow.store.state import StateDB


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    return play(tmp_path_factory.mktemp("memo") / "ws")


@pytest.fixture
def ws(played, tmp_path):
    shutil.copytree(played.root, tmp_path / "ws")
    copy = load_workspace(tmp_path / "ws")
    with StateDB(copy.state_db).transaction() as con:  # play()'s merges kept weeks: start without them
        con.execute("DELETE FROM score_weeks")
    return copy


def kept_rows(db: StateDB) -> dict[str, list[int]]:
    with db.transaction() as con:
        return {k: json.loads(f) for k, f in con.execute("SELECT key, figures FROM score_weeks")}


def without_memo(ws, as_of):
    """The scorecard computed from scratch, every week (what make_scorecard did before the memo)."""
    db = StateDB(ws.state_db)
    versions, files = service.read_versions(ws, db), service.read_files(ws, db)
    from xlflow.features.scorecard import score_weeks
    from xlflow.plan.lateness import deadline_of
    from xlflow.workdays import WorkCalendar

    first = max(min(f.received.date() for f in files if f.result == "accepted"), ws.project.start)
    return compute_scorecard([d.code for d in ws.departments], versions, files,
                             score_weeks(first, as_of, ws.project.week_start), as_of,
                             service.baseline_dates(ws, db, versions), lambda w: deadline_of(ws, w),
                             WorkCalendar.from_settings(ws.calendar))


def test_past_weeks_are_kept_and_give_the_same_scorecard(ws):
    db = StateDB(ws.state_db)
    assert kept_rows(db) == {}
    first = make_scorecard(ws, AS_OF, db)
    kept = kept_rows(db)
    assert len(kept) == 3 * 3  # three departments, W45..W47 are over; W48 (the current week) is never kept
    again = make_scorecard(ws, AS_OF, db)
    assert kept_rows(db) == kept
    assert again == first == without_memo(ws, AS_OF)
    assert [f.slip_days for f in again.department("RD").weeks] == [0, 3, 5, 9]  # the hand-computed trend


def test_a_kept_week_is_read_not_computed_and_a_changed_input_computes_it_again(ws):
    db = StateDB(ws.state_db)
    make_scorecard(ws, AS_OF, db)
    with db.transaction() as con:  # mark the kept figures: RD's slip in W46 (3 days) becomes 77
        for key, figures in list(con.execute("SELECT key, figures FROM score_weeks")):
            n = json.loads(figures)
            if n[2] == 3:
                n[2] = 77
                con.execute("UPDATE score_weeks SET figures=? WHERE key=?", (json.dumps(n), key))
    assert [f.slip_days for f in make_scorecard(ws, AS_OF, db).department("RD").weeks] == [0, 77, 5, 9]
    # a holiday on Thursday 11-12 changes what every week depends on (the calendar): computed again.
    # It lies before RD-001's baseline 11-13, so the slip stays the hand-computed 3, 5, 9, not the marked 77
    changed = dataclasses.replace(ws, calendar=dataclasses.replace(ws.calendar, holidays=(D(2026, 11, 12),)))
    assert [f.slip_days for f in make_scorecard(changed, AS_OF, db).department("RD").weeks] == [0, 3, 5, 9]


def test_a_rebaseline_set_within_a_past_week_computes_that_week_again(ws):
    """RD-002 re-baselined to 11-30, set on Monday 11-16 (inside W47): W47 (11-22) now counts against
    11-30, so its key changes; W45 and W46 end before 11-16 and keep theirs."""
    db = StateDB(ws.state_db)
    before = make_scorecard(ws, AS_OF, db).department("RD")
    keys = set(kept_rows(db))
    Baselines(db).rebaseline("RD-002", "RD", D(2026, 11, 2), D(2026, 11, 30), "Wang", "CR-007",
                             dt.datetime(2026, 11, 16, 10).astimezone())
    after = make_scorecard(ws, AS_OF, db)
    assert len(set(kept_rows(db)) - keys) == 1  # one new key: RD's W47
    assert after == without_memo(ws, AS_OF)
    assert after.department("RD").weeks[:2] == before.weeks[:2]
    # on time at 11-22: RD-002 was due by its baseline 11-20; against 11-30 it is not due yet
    assert after.department("RD").weeks[2].on_time.total == before.weeks[2].on_time.total - 1


def test_the_baselines_read_once_are_those_the_single_queries_give(ws):
    db = StateDB(ws.state_db)
    store = Baselines(db)
    store.rebaseline("RD-002", "RD", D(2026, 11, 2), D(2026, 11, 30), "Wang", "CR-007",
                     dt.datetime(2026, 11, 24, 10).astimezone())
    read = store.read()
    assert list(read.current().items()) == list(store.current().items())
    assert list(read.first().items()) == list(store.first().items())
    assert read.known == store.known()
    assert read.history("RD-002") == store.history("RD-002") and len(read.history("RD-002")) == 2
    made = store.rebaseline("MK-002", "MK", D(2026, 11, 16), D(2026, 12, 18), None, "CR-008",
                            dt.datetime(2026, 11, 25, 9).astimezone())
    read.add(made)  # what the merge does with a row it records
    assert list(read.current().items()) == list(store.current().items())
    assert read.history("MK-002") == store.history("MK-002")


def test_the_current_week_replays_only_the_versions_after_the_walk_kept(ws, monkeypatch):
    """Issue 21: the scorecard decoded every accepted version on record at every merge and brief.
    The walk up to the end of the week before is kept, so only later versions (and the newest one
    before them, the plan then) are decoded, and the figures are those of a full replay."""
    db = StateDB(ws.state_db)
    make_scorecard(ws, AS_OF, db)  # keeps the walks and the versions' task IDs
    decoded = []
    real = service._parsed
    monkeypatch.setattr(service, "_parsed", lambda ws_, cache, record, known: decoded.append(record.sha256)
                        or real(ws_, cache, record, known))
    card = make_scorecard(ws, AS_OF, db)
    everything = sum(len(db.versions(d.code)) for d in ws.departments)
    monkeypatch.setattr(service, "_parsed", real)
    assert card == without_memo(ws, AS_OF)
    # per department the plan at the end of last week and this week's versions, not the 10 on record
    assert len(set(decoded)) <= 2 * len(ws.departments) < everything, (len(set(decoded)), everything)
    later = AS_OF + dt.timedelta(days=9)  # the next week: continued from the walk kept a week earlier
    assert make_scorecard(ws, later, db) == without_memo(ws, later)
    with db.transaction() as con:  # a kept walk that no longer matches the record is not used
        con.execute("UPDATE score_walks SET walk=replace(walk, '\"digest\": \"', '\"digest\": \"x')")
    assert make_scorecard(ws, later, db) == without_memo(ws, later)


def test_the_week_just_over_is_computed_from_the_walk_kept_not_from_every_version(ws, monkeypatch):
    """Issue 21: the first merge after a week ended computed that week from the first version on
    record (every version decoded, one more each week). It continues the walk kept at the end of the
    week before it, as the current week does; the figures are those of a full replay."""
    db = StateDB(ws.state_db)
    make_scorecard(ws, AS_OF, db)  # keeps the walks up to the end of the week before AS_OF's
    decoded = []
    real = service._parsed
    monkeypatch.setattr(service, "_parsed", lambda ws_, cache, record, known: decoded.append(record.sha256)
                        or real(ws_, cache, record, known))
    later = AS_OF + dt.timedelta(days=9)  # AS_OF's week is over now, and not kept yet
    card = make_scorecard(ws, later, db)
    monkeypatch.setattr(service, "_parsed", real)
    everything = sum(len(db.versions(d.code)) for d in ws.departments)
    assert card == without_memo(ws, later)
    assert len(set(decoded)) <= 2 * len(ws.departments) < everything, (len(set(decoded)), everything)
