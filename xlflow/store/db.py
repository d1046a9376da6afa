"""The workspace's database file (xlflow.sqlite): its connection, its schema and its transactions.

Every feature that keeps rows registers its tables here (`register`), at import time of the module
that owns them; this module imports none of them. A Database creates the tables registered so far
when it is opened, and any registered later before its next transaction, so a table exists before
its owner first touches it.

    with Database(ws.state_db).transaction() as con:
        con.execute("SELECT ...")

Each transaction opens its own short-lived connection (WAL mode, BEGIN IMMEDIATE), so one Database
object can be shared between threads and processes: readers such as `xlflow status` run while the
watcher writes. A writer that finds the file held by another process waits up to 30 s, but says so
after the first seconds (`on_wait`: the CLI and the watcher print it) and names the holder when it
gives up (DatabaseBusy).

This module is the database's boundary: any sqlite3.DatabaseError that the file or the system causes,
at open or later (a damaged page read in the middle of a merge), leaves it as an XlflowError naming
the file: DatabaseUnreadable (no database, cut short, damaged: `xlflow rebuild`), DatabaseBusy,
DatabaseNotWritable (read-only, no room, an I/O error). A mistake in a query (SQLITE_ERROR: no such
table, a syntax error) is a bug and stays itself.

Schema versions: `meta.schema_version` says which layout wrote the file. A newer one than
SCHEMA_VERSION is refused (DatabaseTooNew); an older one is brought up to date by adding the columns
the registrations declare for the later versions (rows are never rewritten). A column is added
whenever its table lacks it, not only when the stamp is older: a table registered after the file was
stamped (its owner imported later) is brought up to date all the same.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseBusy, DatabaseNotWritable, DatabaseTooNew, DatabaseUnreadable
from ..i18n import Phrase
from .lock import database_holder

# 2: a submission keeps its update date, the changes it made and a note; 3: task snapshots kept as
# deltas and week records by parts, which an older xlflow cannot read (so it refuses the file)
SCHEMA_VERSION = 3

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
_UNREADABLE = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FORMAT, sqlite3.SQLITE_RANGE}
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_BUG = {sqlite3.SQLITE_ERROR, sqlite3.SQLITE_MISUSE, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH}
FIRST_WAIT = 2.0  # seconds of waiting for another writer before saying so
LONGEST_WAIT = 30.0  # then at most this long in all

_waiting: list[Callable[[Phrase], None]] = []


def on_wait(notice: Callable[[Phrase], None] | None) -> None:
    """Who is told (a Phrase: render it in your language) when a writer has to wait for another
    process: the CLI prints it, the watcher logs it. None: nobody (the default)."""
    _waiting[:] = [notice] if notice is not None else []


@dataclass(frozen=True)
class Tables:
    """One owner's tables: `ddl` is `CREATE ... IF NOT EXISTS` statements; `added` the columns that
    came with a later schema version, as (version, table, column, type), added to an older file."""

    owner: str
    ddl: str
    added: tuple[tuple[int, str, str, str], ...] = ()


_REGISTRY: dict[str, Tables] = {}
_LOCK = threading.Lock()


def register(owner: str, ddl: str, added: tuple[tuple[int, str, str, str], ...] = ()) -> None:
    """Declare `owner`'s tables (owner: the module that keeps them, e.g. "store.baselines")."""
    with _LOCK:
        _REGISTRY[owner] = Tables(owner, ddl, added)


def registered() -> tuple[Tables, ...]:
    """Every registration so far, in the order made."""
    with _LOCK:
        return tuple(_REGISTRY.values())


def now_iso() -> str:
    """Local time with its UTC offset, to the second: how rows stamp the moment they were written."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Database:
    """The database file at `path`; opening it creates it, checks its version and its tables."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._applied: frozenset[Tables] = frozenset()
        with self._guard(), self._open() as con:
            con.execute("PRAGMA journal_mode=WAL")  # not allowed inside a transaction
            pending = self._create(con)
            row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            found = int(row[0]) if row is not None else None
            if found is not None and found > SCHEMA_VERSION:
                raise DatabaseTooNew("state-too-new", path=str(self.path), found=row[0], known=SCHEMA_VERSION)
            self._upgrade(con, pending, found)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a short-lived connection (rows as sqlite3.Row): committed when the block
        ends, rolled back when it raises."""
        if len(self._applied) < len(_REGISTRY):
            with self._guard(), self._open() as con:
                self._upgrade(con, self._create(con), SCHEMA_VERSION)
        with self._guard(), self._open() as con:
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA synchronous=NORMAL")
            self._begin(con)
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _create(self, con: sqlite3.Connection) -> list[Tables]:
        """Create the tables registered since the last call (one transaction); returns their registrations."""
        pending = [t for t in registered() if t not in self._applied]
        self._begin(con)
        for statement in _statements(_META + "".join(t.ddl for t in pending)):
            con.execute(statement)
        con.execute("COMMIT")
        self._applied = self._applied | frozenset(pending)
        return pending

    def _upgrade(self, con: sqlite3.Connection, pending: list[Tables], found: int | None) -> None:
        """Add the columns the tables of `pending` lack (checked each time, not by the stamp: a table may
        register after the file was stamped) and stamp the file with SCHEMA_VERSION."""
        present = {table: _columns(con, table) for table in {table for t in pending for _, table, _, _ in t.added}}
        missing = [(table, column, kind) for t in pending for _, table, column, kind in t.added
                   if column not in present[table]]
        if not missing and found is not None and found >= SCHEMA_VERSION:
            return
        self._begin(con)
        for table, column, kind in missing:
            if column not in _columns(con, table):  # another process may have added it meanwhile
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("COMMIT")

    def _begin(self, con: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE: when another process is writing, wait FIRST_WAIT seconds quietly, then say
        who holds the file and wait up to LONGEST_WAIT in all (DatabaseBusy after that)."""
        con.execute(f"PRAGMA busy_timeout={int(FIRST_WAIT * 1000)}")
        try:
            con.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if _code(exc) not in _BUSY:
                raise
        holder = database_holder(self.path)
        for notice in list(_waiting):
            notice(Phrase("store-db-waiting", path=str(self.path), holder=holder, seconds=int(LONGEST_WAIT)))
        con.execute(f"PRAGMA busy_timeout={int((LONGEST_WAIT - FIRST_WAIT) * 1000)}")
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _code(exc) in _BUSY:
                raise DatabaseBusy("store-db-busy", path=str(self.path), holder=database_holder(self.path),
                                   seconds=int(LONGEST_WAIT)) from exc
            raise

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Keep one idle connection to the file for the block (nested blocks share it), so that no
        transaction's connection is the file's last: closing the last one checkpoints the WAL and
        deletes it, a few milliseconds of disk syncs for every write. For a merge or an intake, which
        write many times (worker processes included); nothing stays open after the block."""
        key = str(self.path.resolve())
        if key in _kept:
            con, count = _kept[key]
        else:
            with self._guard():
                con, count = sqlite3.connect(self.path, timeout=FIRST_WAIT, isolation_level=None), 0
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a read joins it to the WAL
        _kept[key] = (con, count + 1)
        try:
            yield
        finally:
            con, count = _kept.pop(key)
            if count > 1:
                _kept[key] = (con, count - 1)
            else:
                con.close()

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=FIRST_WAIT, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={int(LONGEST_WAIT * 1000)}")
            yield con
        finally:
            con.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """The boundary: what the file or the system did to a statement becomes an XlflowError naming
        the file (see the module's docstring); a query's own mistake stays a sqlite3 error."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise database_error(self.path, exc) from exc


_kept: dict[str, tuple[sqlite3.Connection, int]] = {}  # resolved path -> the idle connection, how many blocks hold it


def database_error(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    """The XlflowError for what SQLite said about the file at `path` (or `exc` itself: a bug)."""
    code = _code(exc)
    if code in _UNREADABLE:
        return DatabaseUnreadable("store-db-unreadable", path=str(path), workspace=str(path.parent))
    if code in _BUSY:
        return DatabaseBusy("store-db-busy", path=str(path), holder=database_holder(path), seconds=int(LONGEST_WAIT))
    if code is None or code in _BUG or type(exc) not in (sqlite3.OperationalError, sqlite3.DatabaseError):
        return exc  # a query's mistake, IntegrityError, ProgrammingError...: the code's own
    return DatabaseNotWritable("store-db-not-writable", path=str(path), error=str(exc))


def _code(exc: sqlite3.Error) -> int | None:
    """The primary result code (SQLITE_CORRUPT for SQLITE_CORRUPT_INDEX...), None when not given."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _statements(script: str) -> Iterator[str]:
    """A script's statements one by one (executescript would commit the transaction first)."""
    buffer = ""
    for part in script.split(";"):
        buffer += part + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n\t;"):
                yield buffer
            buffer = ""


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
