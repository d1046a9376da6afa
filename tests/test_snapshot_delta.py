"""Task snapshots stored as deltas against an earlier full snapshot: every reader gets exactly the
tasks a full snapshot would have given, and a delta whose base is gone reads as no snapshot."""
from __future__ import annotations

import datetime as dt
import random
import sqlite3
import zlib

from xlflow.store import snapchain, snapshots
from xlflow.store.state import StateDB

START = dt.date(2026, 11, 2)  # a Monday


def row(dept: str, n: int, percent: object = 0.0, **extra: object) -> dict:
    return {"department": dept, "task_id": f"{dept}-{n:03d}", "name": f"任务 {n}", "owner": "王磊",
            "owner_department": dept, "status": "in_progress", "reported_status": "in_progress",
            "health": "on_track", "percent": percent, "start": START, "due": START + dt.timedelta(days=n % 40),
            "reason": "", "predecessors": [f"{dept}-{n - 1:03d}"] if n > 1 else [],
            "successors_other_depts": [], "days_late": None, "actual_finish": None, **extra}


def exact(tasks) -> list:
    """Tasks with every value's type: 50 and 50.0 are not the same snapshot."""
    return [[(type(v), v) for v in snapshots.as_rows([t])[0].values()] for t in tasks]


def full(rows) -> list:
    return exact(snapshots.decode(snapshots.encode(rows)))


def kinds(db: StateDB) -> list[str]:
    with sqlite3.connect(db.path) as con:
        return ["" if not d else "delta" if snapshots.base_id(d) is not None else "full"
                for (d,) in con.execute("SELECT tasks FROM snapshots ORDER BY id")]


def change(rows: list[dict], rnd: random.Random, step: int) -> list[dict]:
    """A day's work: some percents move (one turns from float to int), a task goes, one comes, two swap."""
    rows = [dict(r) for r in rows]
    for r in rnd.sample(rows, 3):
        r["percent"] = min(100.0, float(r["percent"]) + 10.0)
        r["predecessors"] = "A-1, B-2" if step % 3 == 0 else r["predecessors"]
    rows[0]["percent"] = int(rows[0]["percent"]) if isinstance(rows[0]["percent"], float) else float(rows[0]["percent"])
    del rows[rnd.randrange(len(rows))]
    rows.insert(rnd.randrange(len(rows)), row("NEW", 100 + step, reason="=SUM(A1)"))
    i = rnd.randrange(len(rows) - 1)
    rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return rows


def test_every_snapshot_reads_back_as_the_full_one_over_three_weeks_of_merges(tmp_path):
    db, rnd = StateDB(tmp_path / "x.sqlite"), random.Random(21)
    rows = [row(d, n) for d in ("RD", "MK", "QA") for n in range(1, 101)]
    expected: dict[dt.date, list] = {}
    for step in range(21):
        day = START + dt.timedelta(days=step)
        if day.weekday() >= 5:
            continue
        rows = change(rows, rnd, step)
        merges = 2 if step % 4 == 1 else 1  # a second merge of the day supersedes the first
        for _ in range(merges):
            rows = change(rows, rnd, step + 50)
            db.record_merge(day, "m.xlsx", rows)
        expected[day] = full(rows)
        assert exact(db.latest_snapshot_before(day, inclusive=True).tasks) == expected[day]
    read = db.snapshots_between(dt.date.min, dt.date.max)
    assert {s.as_of: exact(s.tasks) for s in read} == expected
    stored = kinds(db)
    assert stored.count("full") == 2 and stored.count("delta") == 13  # DELTAS_PER_FULL on a full one
    # a merge for a past day (a full snapshot's day): the deltas on it are kept whole
    monday = START + dt.timedelta(days=14)
    assert kinds(db)[[i for i, k in enumerate(stored) if k][10]] == "full"  # the 11th kept day: 2nd full
    rows = change(rows, rnd, 99)
    db.record_merge(monday, "m.xlsx", rows)
    expected[monday] = full(rows)
    assert {s.as_of: exact(s.tasks) for s in db.snapshots_between(dt.date.min, dt.date.max)} == expected
    assert kinds(db).count("delta") == 9  # the four after it stored in full


def test_the_merge_path_stores_a_delta_that_reads_back_as_what_it_renders(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")
    rows = [row("RD", n, percent=float(n)) for n in range(1, 30)]
    db.record_merge(START, "m.xlsx", rows)
    rows[3] = {**rows[3], "status": "done", "percent": 100}
    blob, tasks = snapshots.encoded(rows, db.snapshot_base(START + dt.timedelta(days=1)))
    assert snapshots.base_id(blob) is not None and len(blob) < len(snapshots.encode(rows)) / 2
    sid = db.record_merge(START + dt.timedelta(days=1), "m.xlsx", rows, blob)
    assert exact(tasks) == exact(db.snapshot(sid).tasks) == full(rows)


def test_a_delta_whose_base_is_damaged_or_missing_reads_as_no_snapshot(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")
    rows = [row("RD", n) for n in range(1, 30)]
    base = db.record_merge(START, "m.xlsx", rows)
    db.record_merge(START + dt.timedelta(days=1), "m.xlsx", change(rows, random.Random(1), 1))
    assert kinds(db) == ["full", "delta"]
    tuesday = START + dt.timedelta(days=1)
    with sqlite3.connect(db.path) as con:  # the base's bytes damaged
        (data,) = con.execute("SELECT tasks FROM snapshots WHERE id=?", (base,)).fetchone()
        con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (data[:20], base))
    assert db.latest_snapshot_before(tuesday, inclusive=True) is None
    assert [s.as_of for s in db.snapshots_between(tuesday, tuesday)] == []
    with sqlite3.connect(db.path) as con:  # the base replaced by another full snapshot: does not fit
        con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (snapshots.encode(rows[:5]), base))
    assert db.latest_snapshot_before(tuesday, inclusive=True) is None
    with sqlite3.connect(db.path) as con:  # the base gone
        con.execute("DELETE FROM snapshots WHERE id=?", (base,))
    assert db.latest_snapshot_before(tuesday, inclusive=True) is None
    assert db.snapshot_base(tuesday + dt.timedelta(days=1)) is None  # the next merge stores in full


def test_an_older_full_snapshot_stays_readable_and_serves_as_a_base(tmp_path):
    """Databases written before hold plain JSON rows: read as they were, and a delta can stand on them."""
    import json

    db = StateDB(tmp_path / "x.sqlite")
    rows = [row("RD", n) for n in range(1, 10)]
    db.record_merge(START, "m.xlsx", rows)
    older = json.dumps([{**r, "start": r["start"].isoformat(), "due": r["due"].isoformat()} for r in rows])
    with sqlite3.connect(db.path) as con:
        con.execute("UPDATE snapshots SET tasks=?", (older,))
    assert exact(db.latest_snapshot_before(START, inclusive=True).tasks) == full(rows)
    rows[2] = {**rows[2], "percent": 30.0}
    db.record_merge(START + dt.timedelta(days=2), "m.xlsx", rows)
    assert kinds(db) == ["full", "delta"]
    assert exact(db.latest_snapshot_before(START + dt.timedelta(days=2), inclusive=True).tasks) == full(rows)
    assert snapchain.DELTAS_PER_FULL == 9


def kept_on(db: StateDB) -> bytes | str | None:
    with db.transaction() as con:
        return snapchain.stored_on(con, START)


def test_a_merge_of_the_same_tasks_on_the_same_day_stores_the_bytes_it_stored_before(tmp_path):
    """A full snapshot holding exactly the merge's tasks is stored again as it is (its bytes compared,
    not assumed); other tasks, a delta or damaged bytes are compressed anew, as encode does."""
    db = StateDB(tmp_path / "x.sqlite")
    rows = [row(d, n) for d in ("RD", "MK") for n in range(1, 60)]
    fresh = snapshots.encode(rows)
    assert kept_on(db) is None
    db.record_merge(START, "m.xlsx", rows, snapshots.encoded_columns(rows, None, kept_on(db))[0])
    kept = kept_on(db)
    assert kept == fresh
    older = zlib.compress(zlib.decompress(fresh), 1)  # as a release before wrote it: the same text
    for before, same in ((kept, True), (older, True), (snapshots.encode(rows[1:]), False), (b"\x78damaged", False),
                         (b"D17:" + fresh, False), ("[]", False), (None, False)):
        blob, columns = snapshots.encoded_columns(rows, None, before)
        assert (blob is before) == same and zlib.decompress(blob) == zlib.decompress(fresh)
        assert columns == snapshots.encoded_columns(rows)[1]
    changed = change(rows, random.Random(3), 1)
    assert snapshots.encoded_columns(changed, None, kept)[0] == snapshots.encode(changed)
    sid = db.record_merge(START, "m.xlsx", rows, snapshots.encoded_columns(rows, None, kept)[0])
    assert kept_on(db) == fresh and exact(db.snapshot(sid).tasks) == full(rows)


def test_the_days_snapshot_is_given_back_only_when_its_whole_text_is_the_merges(tmp_path):
    """The kept bytes are read step by step and compared as they come: a snapshot far larger than
    one step is given back whole when equal, and not when only its last task differs, when it is
    cut short, when bytes follow it or when its text ends before the merge's."""
    rnd = random.Random(5)
    rows = [row(f"D{d:03d}", n, owner=f"{rnd.getrandbits(96):x}", name=f"{rnd.getrandbits(96):x}")
            for d in range(40) for n in range(1, 200)]
    kept = snapshots.encode(rows)
    assert len(kept) > 2 * snapshots._STEP  # the comparison takes several steps
    last = [*rows[:-1], {**rows[-1], "percent": 1.0}]
    text = zlib.decompress(kept)
    for before, same in ((kept, True), (kept[:-1], False), (kept[:len(kept) // 2], False), (kept + b"\0", False),
                         (zlib.compress(text[:-1], 1), False), (snapshots.encode(last), False)):
        blob, _ = snapshots.encoded_columns(rows, None, before)
        assert (blob is before) == same and zlib.decompress(blob) == text
    blob, _ = snapshots.encoded_columns(last, None, kept)
    assert blob is not kept and zlib.decompress(blob) == zlib.decompress(snapshots.encode(last))
