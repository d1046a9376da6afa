"""The state database opened by someone who must not change it: the portfolio reads fifty
workspaces while their watchers run, on shares, made by older xlflow versions.

Never created, never upgraded, never locked for writing: every connection is a `file:…?mode=ro`
URI. A database with no write-ahead log (fully checkpointed: no watcher is writing) is opened
`immutable`, so not even the -shm/-wal files a reader would otherwise create appear in the
workspace. A WAL database another connection holds exclusively is read as of its last checkpoint
(immutable too), and `stale` says so; one being written with a rollback journal is locked.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from ..errors import DatabaseTooNew
from .state import SCHEMA_VERSION, StateDB


class ReadOnlyStateDB(StateDB):
    """StateDB's queries over a read-only connection (store/db.Database.transaction replaced). A
    write raises sqlite3.OperationalError."""

    def __init__(self, path: Path | str, timeout: float = 5.0) -> None:  # not Database.__init__: it would create the file
        self.path = Path(path)
        self.timeout = timeout
        self.stale = False  # True: read as of the last checkpoint (the database is held exclusively)
        if not self.path.is_file():
            raise sqlite3.OperationalError(f"unable to open database file: {self.path}")
        self.immutable = self.quiet()
        try:
            version = self._schema_version()
        except sqlite3.OperationalError as exc:
            journal = self.path.with_name(self.path.name + "-journal")
            if "locked" not in str(exc) or self.immutable or journal.exists():
                raise  # a rollback journal: the main file may hold a writer's pages, never read it as is
            self.immutable = self.stale = True  # held exclusively: what the main file has
            version = self._schema_version()
        self.version = version  # below SCHEMA_VERSION: an older xlflow's (columns missing)
        if version > SCHEMA_VERSION:
            raise DatabaseTooNew("state-too-new", path=str(self.path), found=version, known=SCHEMA_VERSION)

    def quiet(self) -> bool:
        """No program is writing: no write-ahead log with pages in it and no rollback journal."""
        wal = self.path.with_name(self.path.name + "-wal")
        journal = self.path.with_name(self.path.name + "-journal")
        return (not wal.exists() or wal.stat().st_size == 0) and not journal.exists()

    def _uri(self) -> str:
        return readonly_uri(self.path, self.immutable)

    def _read_only(self) -> sqlite3.Connection:
        con = sqlite3.connect(self._uri(), uri=True, timeout=self.timeout, isolation_level=None)
        con.row_factory = sqlite3.Row
        return con

    def _schema_version(self) -> int:
        con = self._read_only()
        try:
            row = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            con.close()
        return int(row[0]) if row else 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query of a call sees the same moment of the database. No
        table is created: one an older xlflow did not have is "no such table" (read.py then reads
        an upgraded copy)."""
        con = self._read_only()
        try:
            con.execute("BEGIN")
            try:
                yield con
            finally:
                con.execute("ROLLBACK")
        finally:
            con.close()


def readonly_uri(path: Path, immutable: bool = False) -> str:
    """A `file:` URI for SQLite: "?" and "#" in names escaped, a UNC share (//server/share/…) kept
    as a path (an empty authority before it), a Windows drive path given its leading slash."""
    posix = Path(path).as_posix()
    posix = posix if posix.startswith("//") else Path(path).resolve().as_posix()  # resolve() would drop "//"
    if posix.startswith("//"):
        posix = "//" + posix  # file:////server/share/…: the authority is empty, the path is the share
    elif not posix.startswith("/"):
        posix = "/" + posix  # C:/… -> file:/C:/…
    return f"file:{quote(posix, safe='/:')}?mode=ro" + ("&immutable=1" if immutable else "")
