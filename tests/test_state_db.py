"""The state database: submissions, accepted versions, the inbox journal and task snapshots."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest

from xlflow.errors import DatabaseTooNew, XlflowError
from xlflow.store.journal import IN_FLIGHT, JournalState
from xlflow.store.snapshots import Snapshot, SnapshotTask
from xlflow.store.state import SCHEMA_VERSION, StateDB

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=TZ)


def task(tid: str, status: str, due: dt.date, dept: str = "RD", **extra) -> dict:
    return {"department": dept, "task_id": tid, "name": f"task {tid}", "owner": "王磊", "owner_department": dept,
            "status": status, "health": "on_track", "percent": 50.0, "start": dt.date(2026, 11, 2), "due": due,
            "reason": "", "predecessors": ("MK-001",), "successors_other_depts": [], "days_late": None, **extra}


def test_snapshot_rows_round_trip_and_older_row_formats_still_read(tmp_path):
    """One typed shape back whatever was stored: columns (compressed), or rows as older databases hold them."""
    import json
    import zlib

    db = StateDB(tmp_path / "x.sqlite")
    rows = [task("RD-1", "in_progress", dt.date(2026, 11, 20)), task("MK-1", "blocked", None, "MK", extra_key=3)]
    snap = db.record_merge(dt.date(2026, 11, 13), "m.xlsx", rows)
    expected = SnapshotTask(**{**rows[0], "predecessors": ("MK-001",), "successors_other_depts": ()})
    as_of, tasks = db.snapshot(snap)
    assert isinstance(db.snapshot(snap), Snapshot) and as_of == dt.date(2026, 11, 13)
    assert tasks[0] == expected and tasks[0].reported_status is None  # a field no row gave is None
    assert tasks[1].due is None and tasks[1].get("status") == "blocked"  # keys outside the shape are dropped
    old_rows = json.dumps([{**rows[0], "start": "2026-11-02", "due": "2026-11-20", "predecessors": ["MK-001"]}])
    for stored in (zlib.compress(old_rows.encode()), old_rows):
        with sqlite3.connect(tmp_path / "x.sqlite") as con:
            con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (stored, snap))
        assert db.snapshot(snap).tasks == (expected,)
    links = json.dumps({"keys": ["department", "task_id", "predecessors", "successors_other_depts"],
                        "columns": [["RD", "RD"], ["RD-1", "RD-2"], ["MK-1， MK-2", [{"task_id": "MK-3"}]],
                                    [None, ["SA-1"]]]})
    with sqlite3.connect(tmp_path / "x.sqlite") as con:
        con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (zlib.compress(links.encode()), snap))
    assert [(t.predecessors, t.successors_other_depts) for t in db.snapshot(snap).tasks] == [
        (("MK-1", "MK-2"), ()), (("MK-3",), ("SA-1",))]  # task IDs, whichever way they were written


def test_submissions_and_accepted_versions(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")
    db.record_submission("RD", "rd.xlsx", "a" * 64, at(16), "accepted", 0, 2, "archive/a.xlsx", 1)
    db.record_submission("RD", "rd2.xlsx", "b" * 64, at(17), "rejected", 3, 0, "archive/b.xlsx", None)
    db.record_submission("RD", "rd3.xlsx", "c" * 64, at(18), "accepted", 0, 0, "archive/c.xlsx", 2)
    db.record_submission("MK", "mk.xlsx", "a" * 64, at(18, 10), "duplicate")

    assert db.seen_hash("a" * 64) and db.seen_hash("b" * 64) and not db.seen_hash("d" * 64)
    assert db.accepted_version("RD") == 2 and db.accepted_version("MK") == 0
    current = db.accepted()["RD"]
    assert (current.file_name, current.version, current.received) == ("rd3.xlsx", 2, at(18))
    assert db.submission_for_hash("a" * 64).file_name == "rd.xlsx"  # the processed one, not the duplicate
    assert [s.file_name for s in db.submissions()] == ["rd.xlsx", "rd2.xlsx", "rd3.xlsx", "mk.xlsx"]
    assert [s.file_name for s in db.submissions(since=dt.date(2026, 11, 18))] == ["rd3.xlsx", "mk.xlsx"]
    assert [s.result for s in db.submissions(since=at(17))] == ["rejected", "accepted", "duplicate"]
    assert db.submissions()[0].received == at(16)
    with pytest.raises(ValueError):
        db.record_submission("RD", "x.xlsx", "e" * 64, at(19), "fine")


def test_snapshots_for_the_weekly_brief(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")
    assert db.last_merge() is None and db.latest_snapshot_before(dt.date(2026, 11, 30)) is None
    db.record_merge(dt.date(2026, 11, 13), "master/m.xlsx", [task("RD-1", "in_progress", dt.date(2026, 11, 20))])
    db.record_merge(dt.date(2026, 11, 20), "master/m.xlsx", [task("RD-1", "delayed", dt.date(2026, 11, 27))])
    last = db.record_merge(dt.date(2026, 11, 20), "master/m2.xlsx",
                           [task("RD-1", "done", dt.date(2026, 11, 27)), task("MK-1", "blocked", None, "MK")])

    as_of, tasks = db.latest_snapshot_before(dt.date(2026, 11, 16))
    assert as_of == dt.date(2026, 11, 13) and tasks[0].status == "in_progress"
    assert tasks[0].due == dt.date(2026, 11, 20) and tasks[0].predecessors == ("MK-001",)
    as_of, tasks = db.latest_snapshot_before(dt.date(2026, 11, 20), inclusive=True)
    assert [t.status for t in tasks] == ["done", "blocked"] and tasks[1].due is None
    week = db.snapshots_between(dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert [[t.status for t in ts] for _, ts in week] == [["done", "blocked"]]  # the day's newest only
    merge = db.last_merge()
    assert merge.id == last and merge.as_of == dt.date(2026, 11, 20) and merge.task_count == 2
    assert merge.master_path == "master/m2.xlsx"


def test_inbox_journal(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")
    first = db.mark_inbox("/in/a.xlsx", size=10, mtime=1.5, changed=100.0)
    assert (first.state, first.attempts, first.sha256) == (JournalState.SEEN, 0, None)
    db.mark_inbox("/in/b.xlsx", size=3, mtime=2.0)
    entry = db.mark_inbox("/in/a.xlsx", state=JournalState.ARCHIVED, sha256="f" * 64, attempts=2,
                          archive_path="archive/x")
    assert (entry.state, entry.attempts, entry.size, entry.first_seen) == ("archived", 2, 10, first.first_seen)
    assert entry.state is JournalState.ARCHIVED and entry.state.in_flight and entry.state.begun
    assert [e.path for e in db.inbox_entries()] == ["/in/a.xlsx", "/in/b.xlsx"]  # arrival order
    assert [e.path for e in db.inbox_entries(IN_FLIGHT)] == ["/in/a.xlsx"]
    db.record_submission("RD", "a.xlsx", "f" * 64, at(20), "accepted", version=1, inbox_path="/in/a.xlsx")
    assert db.inbox_entry("/in/a.xlsx").state is JournalState.DONE  # recorded and journalled in one transaction
    db.forget_inbox("/in/a.xlsx")
    assert db.inbox_entry("/in/a.xlsx") is None
    with pytest.raises(ValueError):
        db.mark_inbox("/in/a.xlsx", colour="red")


def test_schema_is_versioned_and_reopens(tmp_path):
    path = tmp_path / "x.sqlite"
    StateDB(path).record_submission("RD", "a.xlsx", "a" * 64, at(20), "accepted", version=1)
    assert StateDB(path).accepted_version("RD") == 1
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(DatabaseTooNew) as err:
        StateDB(path)
    assert isinstance(err.value, XlflowError) and err.value.exit_code == 1
    assert str(path) in err.value.message("en") and "Upgrade xlflow" in err.value.message("en")
    assert "升级 xlflow" in err.value.message("zh")


def test_shared_between_threads(tmp_path):
    db = StateDB(tmp_path / "x.sqlite")

    def work(n: int) -> None:
        for i in range(20):
            db.record_submission("RD", f"{n}-{i}.xlsx", f"{n:02d}{i:062d}", at(20), "rejected", 1)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(db.submissions()) == 80


def test_only_the_days_newest_snapshot_keeps_its_tasks(tmp_path):
    """The watcher merges after every file: same-day snapshots must not pile up."""
    import datetime as dt

    from xlflow.store.state import StateDB

    db = StateDB(tmp_path / "s.sqlite")
    day = dt.date(2026, 11, 20)
    tasks = [{"department": "RD", "task_id": f"RD-{i:03d}", "name": "样机" * 20, "due": day, "predecessors": ("MK-001",)}
             for i in range(2000)]
    for n in range(5):
        db.record_merge(day, "m.xlsx", [dict(t, percent=n) for t in tasks])
    db.record_merge(day - dt.timedelta(days=7), "m.xlsx", tasks)
    (only,) = db.snapshots_between(day, day)
    assert only.tasks[0].percent == 4 and only.tasks[0].due == day
    assert db.latest_snapshot_before(day)[0] == day - dt.timedelta(days=7)
    assert db.last_merge().task_count == 2000
    assert (tmp_path / "s.sqlite").stat().st_size < 2_000_000  # 6 × 2,000 tasks, compressed and pruned


def test_a_schema_1_database_gains_the_version_columns_and_keeps_its_rows(tmp_path):
    """Databases of the first release are upgraded in place: columns added, nothing rewritten."""
    import datetime as dt
    import sqlite3

    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE submissions (id INTEGER PRIMARY KEY, department TEXT, file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL, received TEXT NOT NULL, result TEXT NOT NULL,
            errors INTEGER NOT NULL DEFAULT 0, warnings INTEGER NOT NULL DEFAULT 0, archive_path TEXT,
            version INTEGER, recorded TEXT NOT NULL);
        INSERT INTO submissions VALUES (1, 'RD', 'a.xlsx', 'aa', '2026-11-13T15:00:00+08:00', 'accepted',
            0, 0, '/archive/a.xlsx', 1, '2026-11-13T15:00:01+08:00');
    """)
    con.close()
    db = StateDB(path)
    (old,) = db.versions("RD")
    assert (old.version, old.update_date, old.changes, old.note) == (1, None, None, None)
    db.record_submission("RD", "b.xlsx", "bb", "2026-11-20T15:00:00+08:00", "accepted", version=2,
                         update_date=dt.date(2026, 11, 20), changes={"added": ["RD-009"]}, note="restored")
    new = db.versions("RD")[-1]
    assert (new.update_date, new.changes["added"], new.note) == (dt.date(2026, 11, 20), ["RD-009"], "restored")
    assert [s.file_name for s in db.history("RD")] == ["a.xlsx", "b.xlsx"]
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
