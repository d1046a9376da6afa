"""The week record, version 3: its large parts kept once (week/pieces.py). A record reads back the week
the merge computed; records of versions 1 and 2 still read; a newer one is refused with a message;
an older xlflow's codec stops at a part's place rather than reading wrong data; merges that change
nothing add no part; the snapshot the merge renders from is the one it stored, not read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib

import pytest

from test_brief_record import W46, week_46
from xlflow.errors import XlflowError
from xlflow.service.merge import merge_workspace
from xlflow.store import snapshots
from xlflow.store.state import StateDB
from xlflow.week import codec, pieces, stored as weekrecord
from xlflow.week.build import load_week


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setattr(pieces, "PART_FROM", 64)  # the small plan's parts are kept apart as a big one's are
    return week_46(tmp_path)


def _raw(db: StateDB, day: dt.date) -> dict:
    with db.transaction() as con:
        data = con.execute("SELECT data FROM week_records WHERE as_of=? ORDER BY snapshot_id DESC LIMIT 1",
                           (day.isoformat(),)).fetchone()[0]
    return json.loads(zlib.decompress(data))


def _count(db: StateDB, table: str) -> int:
    with db.transaction() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_the_record_keeps_its_parts_apart_and_reads_back_the_merged_week(ws):
    result = merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    raw = _raw(db, W46)
    assert raw["version"] == weekrecord.VERSION == 3
    assert raw["state"]["control"]["baselines"]["$c"] == pieces.MARK  # kept apart, named by its digest
    assert raw["state"]["moves"] == raw["state"]["control"]["moves"]  # one part for the two places that hold it
    assert load_week(ws, W46, db) == result.week()


def test_merges_that_change_nothing_store_no_part_again(ws):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    parts, records = _count(db, "week_parts"), _count(db, "week_records")
    assert parts > 0
    merge_workspace(ws, as_of=W46)  # the same day again: the record replaced, its parts the same
    assert _count(db, "week_parts") == parts and _count(db, "week_records") == records
    with db.transaction() as con:
        size = con.execute("SELECT sum(length(data)) FROM week_parts").fetchone()[0]
    merge_workspace(ws, as_of=W46 + dt.timedelta(days=1))  # a new day: only what changed is added
    with db.transaction() as con:
        grown = con.execute("SELECT sum(length(data)) FROM week_parts").fetchone()[0] - size
        orphans = con.execute("SELECT count(*) FROM week_parts WHERE digest NOT IN"
                              " (SELECT digest FROM week_part_refs)").fetchone()[0]
        baselines = con.execute("SELECT count(DISTINCT digest) FROM week_part_refs").fetchone()[0]
    assert grown < size / 2 and orphans == 0 and baselines < 2 * parts


def test_a_part_no_record_names_goes_with_the_record_that_named_it(ws, monkeypatch):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    with db.transaction() as con:
        ids = [r[0] for r in con.execute("SELECT snapshot_id FROM week_records")]
        pieces.keep(con, max(ids) + 1, {"feed": "[1]"}, ids)  # a later record replacing them all, with other parts
        left = {r[0] for r in con.execute("SELECT digest FROM week_parts")}
    assert left == {"feed"}


def test_records_of_versions_2_and_1_still_read(ws):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    now = load_week(ws, W46, db)
    body = weekrecord.read(db, W46)  # the parts joined: what version 2 stored whole
    with db.transaction() as con:
        sid = con.execute("SELECT max(snapshot_id) FROM week_records").fetchone()[0]
        named = con.execute("SELECT count(*) FROM week_part_refs WHERE snapshot_id=?", (sid,)).fetchone()[0]
    weekrecord._write(db, sid, W46, json.dumps({**body, "version": 2}, ensure_ascii=False))
    with db.transaction() as con:
        assert named > 0 and not con.execute("SELECT count(*) FROM week_part_refs WHERE snapshot_id=?", (sid,)).fetchone()[0]
    assert _raw(db, W46)["version"] == 2
    assert load_week(ws, W46, db) == now


def test_a_newer_record_is_refused_with_a_message_and_an_older_codec_stops_at_a_part(ws):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    raw = _raw(db, W46)
    with pytest.raises(codec.UnknownValue, match="StoredPart"):  # what an older xlflow's codec does with it
        codec.decode_week(raw["state"])
    with db.transaction() as con:
        sid = con.execute("SELECT max(snapshot_id) FROM week_records").fetchone()[0]
    weekrecord._write(db, sid, W46, json.dumps({**raw, "version": weekrecord.VERSION + 1}))
    with pytest.raises(XlflowError) as caught:
        load_week(ws, W46, db)
    assert caught.value.key == "week-record-newer" and "pip install -U xlflow" in caught.value.message("en")


def test_a_record_whose_part_is_gone_reads_as_none(ws):
    merge_workspace(ws, as_of=W46)
    db = StateDB(ws.state_db)
    with db.transaction() as con:
        con.execute("DELETE FROM week_parts")
    assert weekrecord.read(db, W46) is None


def test_the_tasks_the_merge_renders_are_those_its_snapshot_reads_back():
    rows = [{"department": "RD", "task_id": "RD-001", "name": "设计 =A1", "owner": 7, "owner_department": None,
             "status": "delayed", "reported_status": "ongoing", "health": "overdue", "percent": 50.0,
             "start": dt.date(2026, 1, 5), "due": dt.datetime(2026, 1, 9, 12, 0), "reason": dt.date(2026, 1, 2),
             "predecessors": ["PMO-001", 3], "successors_other_depts": [], "days_late": 2, "actual_finish": "2026-01-08"},
            {"department": "PMO", "task_id": "PMO-001", "name": None, "owner": "王", "owner_department": "PMO",
             "status": "done", "reported_status": "done", "health": "done", "percent": 100, "start": None,
             "due": "soon", "reason": "", "predecessors": [], "successors_other_depts": ["RD-001"], "days_late": None,
             "actual_finish": dt.date(2026, 1, 3)}]
    blob, tasks = snapshots.encoded(rows)
    assert blob == snapshots.encode(rows) and tasks == snapshots.decode(blob)
    assert [type(v) for v in dataclasses.astuple(tasks[0])] == [type(v) for v in dataclasses.astuple(snapshots.decode(blob)[0])]
    assert snapshots.encoded([]) == (snapshots.encode([]), ())


def test_the_merge_makes_its_tasks_from_the_columns_as_from_the_snapshot_it_reads_back():
    """The merge makes the week's Tasks from the columns it stored (snapshots.encoded_columns,
    week/tasks.rows_of), not from a SnapshotTask each: the same Tasks, baselines and slips included."""
    from xlflow.features.control.moves import Control
    from xlflow.week.parts import BaselineDates
    from xlflow.week.tasks import rows_of, standings_of, tasks_of

    rows = [{"department": "RD", "task_id": f"RD-{i:03}", "name": f"任务 {i}" if i % 3 else None,
             "owner": i if i % 4 == 0 else "王", "owner_department": None, "status": "delayed" if i % 2 else "done",
             "reported_status": "ongoing", "health": None if i == 5 else "overdue", "percent": i * 1.5,
             "start": dt.date(2026, 1, 5), "due": dt.datetime(2026, 1, 9, 12, 0) if i == 1 else "soon",
             "reason": "", "predecessors": ["PMO-001", i], "successors_other_depts": [], "days_late": i,
             "actual_finish": "2026-01-08" if i % 2 else None} for i in range(8)]
    control = Control(baselines={"RD-001": BaselineDates(dt.date(2026, 1, 1), dt.date(2026, 1, 2))},
                      slips={"RD-001": 3, "RD-002": 1})
    for base in (None, snapshots.load(snapshots.encode(rows[2:]))):
        blob, columns = snapshots.encoded_columns(rows, base)
        assert (blob, tuple(map(snapshots.SnapshotTask, *columns))) == snapshots.encoded(rows, base)
        made = rows_of(columns, control)
        assert made == tasks_of(snapshots.decode(blob, base), control)
        assert list(zip(*standings_of(columns), strict=True)) == [(t.department, t.status, t.due, t.percent) for t in made]  # the merge's standing
        assert [vars(t) for t in made] == [vars(t) for t in tasks_of(snapshots.decode(blob, base), control)]
    assert rows_of(snapshots.encoded_columns([])[1]) == ()


def test_the_merges_standings_by_columns_give_each_department_what_its_tasks_give(ws):
    """department_weeks from the merge's columns (standings_of) is what it is from the Tasks, whatever
    order the departments' tasks come in (the percent averaged in each department's own task order)."""
    from xlflow.week.tasks import department_weeks, rows_of, standings_of

    day = dt.date(2026, 1, 7)
    rows = [{"department": ("RD", "PMO", "QA")[i % 3], "task_id": f"T-{i:03}", "status": ("done", "delayed", "", None)[i % 4],
             "due": (dt.date(2026, 1, 1 + i % 12), None, dt.datetime(2026, 1, 6, 9, 0))[i % 3],
             "percent": (10.1, None, "x", 33, 0.7)[i % 5]} for i in range(40)]
    _, columns = snapshots.encoded_columns(rows)
    week = load_week(ws, W46).week
    by_tasks = department_weeks(ws, rows_of(columns), [], week, day)
    assert department_weeks(ws, standings_of(columns), [], week, day) == by_tasks
    assert {d.code: d.tasks for d in by_tasks if d.code in ("RD", "PMO")} == {"RD": 14, "PMO": 13}
