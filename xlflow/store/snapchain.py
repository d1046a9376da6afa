"""Which snapshot a merge stores its delta against, and reading a delta back with its base.

A merge stores its tasks as a delta against the newest full snapshot of a day before its own (strictly
before: a later merge of the same day supersedes, and blanks, that day's snapshot), and in full when
there is none, when DELTAS_PER_FULL deltas already stand on it or when most tasks changed
(snapshots.encoded): each delta one step from its full snapshot, never a chain.
Before a day's snapshot is blanked, the deltas stored against it are stored in full instead
(a merge for a past day must not take a later day's tasks with it). A delta whose base is missing
or damaged, and a full snapshot whose bytes are damaged, read as no snapshot (None), never as other
tasks; `newest` is the one reading of "the newest snapshot up to a day" that every question about it
(its tasks, its day, whether it is damaged) answers from.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zlib

from . import snapshots
from .snapshots import Base, SnapshotTask

DELTAS_PER_FULL = 9  # daily merges: a full snapshot every two weeks; weekly ones: every ten weeks
_DAMAGED = (zlib.error, ValueError, KeyError, TypeError, IndexError)
_IS_DELTA = "substr(tasks, 1, 2) = X'4431'"  # snapshots.DELTA
_FULL = "NOT " + _IS_DELTA
_BASE = "CAST(substr(tasks, 3, instr(tasks, X'3A') - 3) AS INTEGER)"  # a delta's base id, as base_id reads it


def base_for(con: sqlite3.Connection, as_of: dt.date) -> Base | None:
    """The full snapshot a merge of `as_of` stores its delta against, read back; None: store in full."""
    row = con.execute(f"SELECT id, tasks FROM snapshots WHERE as_of < ? AND length(tasks) > 0"
                      f" AND {_FULL} ORDER BY as_of DESC, id DESC LIMIT 1", (as_of.isoformat(),)).fetchone()
    if row is None:
        return None
    (standing,) = con.execute(f"SELECT count(*) FROM snapshots WHERE id > ? AND length(tasks) > 0 AND {_IS_DELTA}"
                              f" AND {_BASE} = ?", (row[0], row[0])).fetchone()
    if standing >= DELTAS_PER_FULL:
        return None
    try:
        return snapshots.load(row[1])._replace(id=int(row[0]))
    except _DAMAGED:
        return None


def stored_on(con: sqlite3.Connection, as_of: dt.date) -> bytes | str | None:
    """The day's newest snapshot as stored (None: none), for a merge of the day to store the same bytes
    again when its tasks are the same (snapshots.encoded_columns; the merge: service/merge.py _record)."""
    row = con.execute("SELECT tasks FROM snapshots WHERE as_of=? AND length(tasks) > 0 ORDER BY id DESC LIMIT 1",
                      (as_of.isoformat(),)).fetchone()
    return row[0] if row is not None else None


def usable(con: sqlite3.Connection, blob: bytes, as_of: dt.date) -> bool:
    """Whether `blob` can be stored for a merge of `as_of`: full, or its base is still kept and earlier."""
    base = snapshots.base_id(blob)
    if base is None:
        return True
    row = con.execute("SELECT 1 FROM snapshots WHERE id=? AND as_of < ? AND length(tasks) > 0",
                      (base, as_of.isoformat())).fetchone()
    return row is not None


def release(con: sqlite3.Connection, as_of: dt.date) -> None:
    """Before the snapshots of `as_of` are blanked: the deltas stored against them, stored in full."""
    ids = {r[0] for r in con.execute("SELECT id FROM snapshots WHERE as_of=? AND length(tasks) > 0",
                                     (as_of.isoformat(),))}
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    later = con.execute(f"SELECT id, tasks FROM snapshots WHERE length(tasks) > 0 AND {_IS_DELTA}"
                        f" AND {_BASE} IN ({marks})", sorted(ids)).fetchall()
    for snapshot_id, data in later:
        if snapshots.base_id(data) in ids:
            tasks = read(con, data)
            if tasks is not None:
                con.execute("UPDATE snapshots SET tasks=? WHERE id=?", (snapshots.encode(snapshots.as_rows(tasks)),
                                                                        snapshot_id))


def read(con: sqlite3.Connection, data: bytes | str,
         bases: dict[int, Base] | None = None) -> tuple[SnapshotTask, ...] | None:
    """The tasks of a stored snapshot (`bases`: the bases read so far, kept for the next delta);
    None for a delta whose base is missing, superseded or damaged."""
    base_id = snapshots.base_id(data)
    if base_id is None:
        try:
            return snapshots.decode(data)
        except _DAMAGED:
            return None
    bases = {} if bases is None else bases
    if base_id not in bases:
        row = con.execute("SELECT tasks FROM snapshots WHERE id=?", (base_id,)).fetchone()
        if row is None or not row[0] or snapshots.base_id(row[0]) is not None:
            return None
        try:
            bases[base_id] = snapshots.load(row[0])
        except _DAMAGED:
            return None
    try:
        return snapshots.decode(data, bases[base_id])
    except _DAMAGED:
        return None


def _whole(data: bytes | str) -> bool:
    """Whether stored snapshot bytes come out whole: zlib's checksum, without building any task."""
    try:
        if isinstance(data, str):
            json.loads(data)  # a row from before snapshots were compressed
        else:
            zlib.decompress(data[data.index(b":") + 1:] if data.startswith(snapshots.DELTA) else data)
    except _DAMAGED:
        return False
    return True


def _head(con: sqlite3.Connection, day: dt.date, inclusive: bool) -> tuple[str, bytes | str] | None:
    """(as_of, stored tasks) of the newest kept snapshot with as_of < day (<= with `inclusive`)."""
    op = "<=" if inclusive else "<"
    return con.execute(f"SELECT as_of, tasks FROM snapshots WHERE as_of {op} ? AND length(tasks) > 0"
                       " ORDER BY as_of DESC, id DESC LIMIT 1", (day.isoformat(),)).fetchone()


def newest_day(con: sqlite3.Connection, day: dt.date, inclusive: bool = False) -> dt.date | None:
    """The day of the snapshot `newest` reads, None exactly when it reads no tasks, told from the
    bytes' checksums (its own and its base's) rather than by building its tasks: a merge asks for
    two such days and renders neither."""
    head = _head(con, day, inclusive)
    if head is None or not _whole(head[1]):
        return None
    base = snapshots.base_id(head[1])
    if base is not None:
        row = con.execute("SELECT tasks FROM snapshots WHERE id=?", (base,)).fetchone()
        if row is None or not row[0] or snapshots.base_id(row[0]) is not None or not _whole(row[0]):
            return None
    return dt.date.fromisoformat(head[0])


Newest = tuple[dt.date, tuple[SnapshotTask, ...] | None]


def newest(con: sqlite3.Connection, day: dt.date, inclusive: bool = False) -> Newest | None:
    """The newest kept snapshot with as_of < day (<= with `inclusive`): its day and its tasks (None:
    it cannot be read, its base missing or damaged); None when there is no snapshot at all."""
    head = _head(con, day, inclusive)
    return None if head is None else (dt.date.fromisoformat(head[0]), read(con, head[1]))
