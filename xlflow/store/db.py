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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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
            con.executescript(f"BEGIN IMMEDIATE; {_META} COMMIT;")
            row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            found = int(row[0]) if row is not None else None
            if found is not None and found > SCHEMA_VERSION:
                raise DatabaseTooNew("state-too-new", path=str(self.path), found=row[0], known=SCHEMA_VERSION)
            self._create(con, found)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a short-lived connection (rows as sqlite3.Row): committed when the block
        ends, rolled back when it raises."""
        if len(self._applied) < len(_REGISTRY):
            with self._guard(), self._open() as con:
                self._create(con, SCHEMA_VERSION)
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

    def _create(self, con: sqlite3.Connection, found: int | None) -> None:
        """Create the registered tables not applied yet, add the columns an older file lacks, stamp the version."""
        pending = [t for t in registered() if t not in self._applied]
        con.execute("BEGIN IMMEDIATE")
        for tables in pending:
            for statement in _statements(tables.ddl):
                con.execute(statement)
            for _version, table, column, kind in tables.added:
                if column not in _columns(con, table):  # checked each time: a table may register late
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        if found is None or found < SCHEMA_VERSION:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("COMMIT")
        self._applied = self._applied | frozenset(pending)

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


def _statements(ddl: str) -> list[str]:
    """The statements of a DDL script, one by one (executescript would commit the transaction)."""
    out, buffer = [], ""
    for line in ddl.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    return out + ([buffer.strip()] if buffer.strip() else [])


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
