"""The portfolio reads a workspace without changing it: no file written, touched or created, no
lock taken; it works while another program holds the database exclusively in WAL mode, and a
workspace it cannot read (corrupt, too new, broken config, moved) is a row saying so."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from portclose_helpers import D, demo_workspace, state, task
from xlflow.portfolio import read as reader
from xlflow.portfolio.build import build_portfolio
from xlflow.portfolio.settings import PortfolioSettings
from xlflow.store.state import submitted_departments
from xlflow.week import stored as weekrecord
from xlflow.workdays import week_of

DAY = D(2026, 11, 20)


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("demo") / "x1"


@pytest.fixture
def root(tmp_path, demo_cache) -> Path:
    return demo_workspace(tmp_path / "x1", demo_cache)


def stored_loader(ws, as_of, db):
    """Reads what the week pipeline reads (the snapshot, its record, the submissions) through the
    database it is given, and returns a week of those tasks."""
    snap = db.latest_snapshot_before(as_of, inclusive=True)
    weekrecord.load(db, snap.as_of)
    done = submitted_departments(ws, week_of(as_of, ws.project.week_start).start, db, until=as_of)
    tasks = [task(t.department, t.task_id, t.status, t.percent) for t in snap.tasks]
    return state(ws.project.code, tasks, tuple(d.code for d in ws.departments),
                 missing=tuple(d.code for d in ws.departments if d.code not in done), as_of=as_of, data_date=snap.as_of)


def fingerprint(root: Path) -> dict[str, tuple[float, str]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(root.rglob("*")) if p.is_file()}


def read(root: Path):
    p = build_portfolio([root], PortfolioSettings(), DAY, load=stored_loader)
    return p.entries[0]


def test_nothing_in_the_workspace_changes(root):
    before = fingerprint(root)
    entry = read(root)
    assert entry.row is not None and entry.row.tasks > 30 and not entry.read.stale
    assert fingerprint(root) == before  # same files, same bytes, same mtimes: no -wal, -shm or lock created


def test_reads_while_the_watcher_writes(root):
    writer = sqlite3.connect(root / "xlflow.sqlite", isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("INSERT OR REPLACE INTO meta VALUES ('portfolio-test', 'x')")  # a live -wal with new pages
    try:
        assert (root / "xlflow.sqlite-wal").stat().st_size > 0
        entry = read(root)
        assert entry.row is not None and not entry.read.stale
    finally:
        writer.close()


def test_reads_a_database_held_exclusively(root):
    holder = sqlite3.connect(root / "xlflow.sqlite", isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('held', 'x')")
    holder.execute("COMMIT")  # exclusive mode keeps the lock after the commit
    try:
        entry = read(root)
        assert entry.row is not None and entry.read.stale  # as of the last checkpoint, and the row says so
    finally:
        holder.close()


def test_an_older_schema_is_read_from_a_copy(root):
    con = sqlite3.connect(root / "xlflow.sqlite")
    con.execute("DROP TABLE week_records")
    con.commit()
    con.close()
    before = fingerprint(root)
    entry = read(root)
    assert entry.row is not None and fingerprint(root) == before


@pytest.mark.parametrize("damage, words", [
    ("corrupt", "corrupt"), ("too_new", "newer xlflow"), ("config", "configuration"), ("moved", "not found"),
    ("no_db", "never merged")])
def test_an_unreadable_workspace_is_a_row(root, damage, words):
    db = root / "xlflow.sqlite"
    if damage == "corrupt":
        db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    elif damage == "too_new":
        con = sqlite3.connect(db)
        con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
        con.commit()
        con.close()
    elif damage == "config":
        (root / "xlflow.toml").write_text("[project\n", "utf-8")
    elif damage == "moved":
        root.rename(root.with_name("elsewhere"))
    else:
        db.unlink()
    entry = read(root)
    assert entry.row is None and words in entry.read.problem.render("en")


@pytest.mark.parametrize("older", [None, "records", "schema1"])
def test_the_week_pipeline_reads_without_writing(root, older):
    if older:  # made by an xlflow that kept no week records and whose parse cache is gone
        shutil.rmtree(root / ".cache", ignore_errors=True)
        con = sqlite3.connect(root / "xlflow.sqlite")
        con.execute("DROP TABLE week_records")
        if older == "schema1":  # and before the submissions had their update date, changes and note
            for column in ("update_date", "changes", "note"):
                con.execute(f"ALTER TABLE submissions DROP COLUMN {column}")
            con.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
        con.commit()
        con.close()
    before = fingerprint(root)
    p = build_portfolio([root], PortfolioSettings(), DAY)  # the real load_week, through the read-only database
    entry = p.entries[0]
    assert entry.row is not None, entry.read.problem and entry.read.problem.render("en")
    assert entry.row.tasks > 30 and entry.row.last_merge == DAY
    assert fingerprint(root) == before


def test_uris_for_odd_names_and_shares(tmp_path):
    from xlflow.store.readonly import ReadOnlyStateDB, readonly_uri
    from xlflow.store.state import StateDB

    odd = tmp_path / "项目 #1?" / "xlflow.sqlite"
    StateDB(odd)
    assert "%23" in readonly_uri(odd) and "%3F" in readonly_uri(odd)
    assert ReadOnlyStateDB(odd).submissions() == []
    assert readonly_uri(Path("//server/share/ws/xlflow.sqlite")).startswith("file:////server/share/ws/")


def test_a_database_locked_for_writing_is_a_row(root, monkeypatch):
    monkeypatch.setattr(reader, "LOCK_WAIT", 0.2)
    holder = sqlite3.connect(root / "xlflow.sqlite", isolation_level=None)
    holder.execute("PRAGMA journal_mode=DELETE")  # an older program's rollback journal
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('writing', 'x')")
    try:
        assert (root / "xlflow.sqlite-journal").exists()
        entry = read(root)
        assert entry.row is None and "locked" in entry.read.problem.render("en")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
