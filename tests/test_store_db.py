"""The database module (xlflow/store/db.py): tables registered by their owners, schema versions, the
public transaction, and a clear message for a file that is no database or was cut short."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from click.testing import CliRunner

from xlflow.cli import main
from xlflow.errors import DatabaseUnreadable, XlflowError
from xlflow.store import db as dbmod
from xlflow.store.db import SCHEMA_VERSION, Database, register
from xlflow.store.state import StateDB

AT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def registry(monkeypatch):
    """Registrations made by a test stay in the test."""
    monkeypatch.setattr(dbmod, "_REGISTRY", dict(dbmod._REGISTRY))


def _filled(path, rows: int = 300) -> bytes:
    """A real database with some pages of rows, checkpointed into the file; its bytes."""
    db = StateDB(path)
    for i in range(rows):
        db.record_submission("RD", f"{i}.xlsx", f"{i:064d}", AT, "rejected", note="x" * 300)
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path.read_bytes()


def test_a_table_registered_after_opening_exists_before_the_next_transaction(tmp_path, registry):
    db = Database(tmp_path / "x.sqlite")
    register("test.late", "CREATE TABLE IF NOT EXISTS late_rows (a TEXT NOT NULL);")
    with db.transaction() as con:
        con.execute("INSERT INTO late_rows VALUES ('one')")
    with db.transaction() as con:
        assert [tuple(r) for r in con.execute("SELECT a FROM late_rows")] == [("one",)]


def test_the_transaction_commits_on_success_and_rolls_back_on_error(tmp_path, registry):
    register("test.rows", "CREATE TABLE IF NOT EXISTS rows_t (a INTEGER);")
    db = Database(tmp_path / "x.sqlite")
    with db.transaction() as con:
        con.execute("INSERT INTO rows_t VALUES (1)")
    with pytest.raises(RuntimeError), db.transaction() as con:
        con.execute("INSERT INTO rows_t VALUES (2)")
        raise RuntimeError("stop")
    with db.transaction() as con:
        assert [r["a"] for r in con.execute("SELECT a FROM rows_t")] == [1]


def test_an_older_file_gets_the_later_columns_and_keeps_its_rows(tmp_path):
    """A schema-1 database (submissions without update_date, changes, note) opens as schema 2."""
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '1');
            CREATE TABLE submissions (id INTEGER PRIMARY KEY, department TEXT, file_name TEXT NOT NULL,
                sha256 TEXT NOT NULL, received TEXT NOT NULL, result TEXT NOT NULL,
                errors INTEGER NOT NULL DEFAULT 0, warnings INTEGER NOT NULL DEFAULT 0, archive_path TEXT,
                version INTEGER, recorded TEXT NOT NULL);
            INSERT INTO submissions (department, file_name, sha256, received, result, version, recorded)
                VALUES ('RD', 'old.xlsx', 'ab', '2026-11-02T09:00:00+08:00', 'accepted', 1, '2026-11-02T09:00:01+08:00');
        """)
    con.close()
    db = StateDB(path)
    (old,) = db.submissions()
    assert (old.file_name, old.version, old.note) == ("old.xlsx", 1, None)
    db.record_submission("RD", "new.xlsx", "cd", AT, "accepted", version=2, note="kept")
    assert [s.note for s in db.submissions()] == [None, "kept"]
    with db.transaction() as con:
        assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_a_late_registration_adds_its_columns_to_a_file_already_stamped(tmp_path, registry):
    """A table whose owner is imported after the file was stamped with the current version still gets
    the columns its registration declares (not only when the stamp is older)."""
    path = tmp_path / "x.sqlite"
    db = Database(path)
    with db.transaction() as con:
        con.execute("CREATE TABLE grown (a TEXT)")
    register("test.grown", "CREATE TABLE IF NOT EXISTS grown (a TEXT, b TEXT);", added=((2, "grown", "b", "TEXT"),))
    with db.transaction() as con:
        con.execute("INSERT INTO grown (a, b) VALUES ('x', 'y')")
    assert StateDB(path).submissions() == []


@pytest.mark.parametrize("content", ["text", "half", "header"])
def test_a_file_that_is_no_database_or_cut_short_is_named_with_what_to_do(tmp_path, content):
    path = tmp_path / "xlflow.sqlite"
    if content == "text":
        path.write_text("name,department\nRD,研发\n" * 20, "utf-8")
    else:
        data = _filled(tmp_path / "good.sqlite")
        path.write_bytes(data[: len(data) // 2] if content == "half" else data[:50])
    with pytest.raises(DatabaseUnreadable) as err:
        StateDB(path).submissions()
    assert isinstance(err.value, XlflowError) and err.value.exit_code == 1
    for lang, advice in (("en", "last backup"), ("zh", "备份")):
        text = err.value.message(lang)
        assert str(path) in text and advice in text
    assert isinstance(err.value.__cause__, sqlite3.DatabaseError)


def test_the_command_line_says_it_in_a_sentence_not_a_traceback(sample_ws):
    sample_ws.state_db.parent.mkdir(parents=True, exist_ok=True)
    sample_ws.state_db.write_bytes(b"PK\x03\x04 not a database" * 40)
    result = CliRunner().invoke(main, ["status", "-w", str(sample_ws.root), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "cannot be read" in result.output and str(sample_ws.state_db) in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, sqlite3.Error)


def test_a_locked_or_busy_database_is_not_called_damaged(tmp_path):
    """Only "not a database" and "malformed" become DatabaseUnreadable; other errors stay themselves."""
    db = StateDB(tmp_path / "x.sqlite")
    with pytest.raises(sqlite3.OperationalError), db.transaction() as con:
        con.execute("SELECT * FROM no_such_table")


def test_kept_open_holds_one_idle_connection_so_writes_skip_the_last_close_checkpoint(tmp_path):
    """Inside kept_open the WAL file stays between transactions (no connection closing is the last);
    nested blocks share the one connection, and after the outermost block nothing is held."""
    db = StateDB(tmp_path / "x.sqlite")
    wal = tmp_path / "x.sqlite-wal"
    with db.transaction() as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('probe', '0')")
    assert not wal.exists()  # the last connection closed: checkpointed and removed
    with db.kept_open():
        with db.kept_open():
            with db.transaction() as con:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('probe', '1')")
            assert len(dbmod._kept) == 1
        with db.transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('probe', '2')")
        assert wal.exists()  # still the idle connection's: no checkpoint after each write
    assert dbmod._kept == {} and not wal.exists()
    with db.transaction() as con:
        assert con.execute("SELECT value FROM meta WHERE key='probe'").fetchone()[0] == "2"
