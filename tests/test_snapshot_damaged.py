"""A snapshot that cannot be read (a delta whose base row was deleted or damaged, a full snapshot
whose bytes were damaged) gives one answer whichever way it is asked: `latest_snapshot_before` reads
no snapshot and `snapshot_day_before` names no day, the day told from the bytes' checksums,
and loading the week says the database is damaged (what to do), not that no merge was recorded."""
from __future__ import annotations

import datetime as dt
import random
import sqlite3

import pytest

from test_snapshot_delta import START, change, row
from xlflow.errors import DatabaseUnreadable
from xlflow.store.state import StateDB

TUESDAY = START + dt.timedelta(days=1)


def _two_merges(tmp_path) -> tuple[StateDB, int]:
    db = StateDB(tmp_path / "x.sqlite")
    rows = [row("RD", n) for n in range(1, 30)]
    base = db.record_merge(START, "m.xlsx", rows)
    db.record_merge(TUESDAY, "m.xlsx", change(rows, random.Random(1), 1))
    return db, base


def _agree(db: StateDB, day: dt.date) -> None:
    for inclusive in (True, False):
        snap = db.latest_snapshot_before(day, inclusive=inclusive)
        assert db.snapshot_day_before(day, inclusive=inclusive) == (snap.as_of if snap is not None else None)


@pytest.mark.parametrize("damage", ["deleted", "cut short", "blanked"])
def test_a_delta_whose_base_is_gone_gives_the_same_answer_through_both(tmp_path, damage):
    db, base = _two_merges(tmp_path)
    assert db.snapshot_day_before(TUESDAY, inclusive=True) == TUESDAY
    with sqlite3.connect(db.path) as con:
        if damage == "deleted":
            con.execute("DELETE FROM snapshots WHERE id=?", (base,))
        elif damage == "cut short":
            (data,) = con.execute("SELECT tasks FROM snapshots WHERE id=?", (base,)).fetchone()
            con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (data[:20], base))
        else:
            con.execute("UPDATE snapshots SET tasks='' WHERE id=?", (base,))
    assert db.latest_snapshot_before(TUESDAY, inclusive=True) is None
    assert db.snapshot_day_before(TUESDAY, inclusive=True) is None
    assert db.damaged_snapshot_before(TUESDAY, inclusive=True) == TUESDAY
    for day in (START, TUESDAY, TUESDAY + dt.timedelta(days=5)):
        _agree(db, day)


def test_a_full_snapshot_whose_bytes_are_damaged_reads_as_damaged_not_a_traceback(tmp_path):
    db, base = _two_merges(tmp_path)
    with sqlite3.connect(db.path) as con:
        con.execute("UPDATE snapshots SET tasks=? WHERE as_of=?", (b"\x78\x9c" + b"\x00" * 40, TUESDAY.isoformat()))
    assert db.latest_snapshot_before(TUESDAY, inclusive=True) is None
    assert db.snapshot_day_before(TUESDAY, inclusive=True) is None
    assert db.damaged_snapshot_before(TUESDAY, inclusive=True) == TUESDAY
    assert db.latest_snapshot_before(TUESDAY).as_of == START == db.snapshot_day_before(TUESDAY)  # before it: readable
    assert db.damaged_snapshot_before(TUESDAY) is None


def test_loading_the_week_of_a_damaged_snapshot_says_so(tmp_path):
    from share_helpers import make_ws
    from xlflow.week.build import load_week

    ws = make_ws(tmp_path / "ws", "en")
    db, base = _two_merges(tmp_path)
    ws.state_db.parent.mkdir(parents=True, exist_ok=True)
    db.path.replace(ws.state_db)
    db = StateDB(ws.state_db)
    with sqlite3.connect(db.path) as con:
        con.execute("DELETE FROM snapshots WHERE id=?", (base,))
    with pytest.raises(DatabaseUnreadable) as caught:
        load_week(ws, TUESDAY, db)
    text = caught.value.message("en")
    assert TUESDAY.isoformat() in text and "xlflow rebuild" in text and str(ws.state_db) in text
    assert "2026-11-03" in caught.value.message("zh")


def test_the_day_costs_no_decoding_and_the_tasks_one(tmp_path, monkeypatch):
    """A merge asks for two snapshots' days and renders neither: a day is told from the bytes'
    checksums, never by building the tasks (~25 ms at 6,000 tasks); the tasks are read once."""
    from xlflow.store import snapchain

    db, _ = _two_merges(tmp_path)
    decoded: list[int] = []
    real = snapchain.read
    monkeypatch.setattr(snapchain, "read", lambda con, data, bases=None: decoded.append(1) or real(con, data, bases))
    assert db.snapshot_day_before(TUESDAY, inclusive=True) == TUESDAY
    assert decoded == []
    assert db.latest_snapshot_before(TUESDAY, inclusive=True).as_of == TUESDAY
    assert len(decoded) == 1
    db.record_merge(TUESDAY, "m.xlsx", [row("RD", n) for n in range(1, 5)])  # a later merge of the day
    assert len(db.latest_snapshot_before(TUESDAY, inclusive=True).tasks) == 4 and len(decoded) == 2
