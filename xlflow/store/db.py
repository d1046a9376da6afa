"""The workspace's database file (xlflow.sqlite): its connection, its schema and its transactions.

Every feature that keeps rows registers its tables here (`register`), at import time of the module
that owns them; this module imports none of them. A Database creates the tables registered so far
when it is opened, and any registered later before its next transaction, so a table exists before
its owner first touches it.

    with Database(ws.state_db).transaction() as con:
        con.execute("SELECT ...")

Each transaction opens its own short-lived connection (WAL mode, a 30 s busy timeout, BEGIN
IMMEDIATE), so one Database object can be shared between threads and processes: readers such as
`xlflow status` run while the watcher writes. A file that is no SQLite database, or one cut short,
is a DatabaseUnreadable naming the file, never a traceback.

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseTooNew, DatabaseUnreadable

SCHEMA_VERSION = 2  # 2: a submission keeps its update date, the changes it made and a note

_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
_UNREADABLE = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}


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
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _create(self, con: sqlite3.Connection) -> list[Tables]:
        """Create the tables registered since the last call (one transaction); returns their registrations."""
        pending = [t for t in registered() if t not in self._applied]
        con.executescript(f"BEGIN IMMEDIATE; {_META} {''.join(t.ddl for t in pending)} COMMIT;")
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
        con.execute("BEGIN IMMEDIATE")
        for table, column, kind in missing:
            if column not in _columns(con, table):  # another process may have added it meanwhile
                con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("COMMIT")

    @contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout=30000")
            yield con
        finally:
            con.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A file that is no database or is cut short: DatabaseUnreadable, naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) in _UNREADABLE:
                raise DatabaseUnreadable("store-db-unreadable", path=str(self.path)) from exc
            raise


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
