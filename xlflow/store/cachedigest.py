"""The parse cache's digests: the SHA-256 of each cache entry as written, kept in xlflow.sqlite.

The parse cache (check/cache.py) lives in files under .cache/merge/, where anyone who can write the
workspace can change them: an entry is trusted only when its bytes still have the digest recorded
here when it was written. One row per entry file name (the parsed file's hash and the config salt).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from ..errors import XlflowError
from .db import Database, now_iso, register

register("store.cachedigest", """
CREATE TABLE IF NOT EXISTS parse_cache (
    name    TEXT PRIMARY KEY,   -- the entry's file name in .cache/merge/
    digest  TEXT NOT NULL,      -- sha256 of its bytes as written
    written TEXT NOT NULL
);
""")


def record_digest(db: Database, name: str, digest: str) -> None:
    with db.transaction() as con:
        con.execute("INSERT OR REPLACE INTO parse_cache VALUES (?, ?, ?)", (name, digest, now_iso()))


def forget_digest(db: Database, name: str) -> None:
    with db.transaction() as con:
        con.execute("DELETE FROM parse_cache WHERE name=?", (name,))


def forget_digests(db: Database, names: list[str]) -> None:
    """Forget the digests of entries removed (check/cachekeep.py)."""
    with db.transaction() as con:
        con.executemany("DELETE FROM parse_cache WHERE name=?", [(name,) for name in names])


def cache_written(db: Database) -> dict[str, dt.datetime]:
    """When each recorded entry was written, by its name (a time it cannot read is left out)."""
    out = {}
    with db.transaction() as con:
        for name, written in con.execute("SELECT name, written FROM parse_cache"):
            try:
                out[name] = dt.datetime.fromisoformat(written)
            except (TypeError, ValueError):
                continue
    return out


def forget_all(db: Database) -> None:
    """No entry has a digest: each is read again, once and quietly, then recorded (after a rebuild,
    whose replay wrote its own entries elsewhere)."""
    with db.transaction() as con:
        con.execute("DELETE FROM parse_cache")


def cache_digests(db: Database) -> dict[str, str]:
    """Every recorded entry's digest by its name."""
    with db.transaction() as con:
        return {r[0]: r[1] for r in con.execute("SELECT name, digest FROM parse_cache")}


def read_only_digests(path: Path) -> dict[str, str]:
    """The digests of another workspace's database, read without changing it (the portfolio); none
    when it has no such table (an older xlflow's) or cannot be read: then no entry is trusted."""
    from .readonly import ReadOnlyStateDB

    try:
        return cache_digests(ReadOnlyStateDB(path))
    except (sqlite3.Error, OSError, ValueError, XlflowError):
        return {}
