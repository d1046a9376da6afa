"""The pieces `xlflow rebuild` (rebuild.py) is made of: what the archive and master/history/ hold, the
state of the database file, moving a file aside, and the paths a replay in a scratch workspace stored.

The archive's names carry when, whose and which content (staging.archive_name):
`<YYYYmmdd-HHMMSS>_<DEPT>_<sha256[:12]>_<name>` with the received time in the local time it was
received in; master/history/ holds each merge day's dated copy `<code>-master-<YYYY-MM-DD>.xlsx`.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import DatabaseTooNew, DatabaseUnreadable
from ..features.coordinator import generations
from ..spec import layout
from ..store import (
    departments as _departments,
    renames as _renames,  # noqa: F401 (imported for its table: carry_decisions)
)
from ..store.db import now_iso
from ..store.state import StateDB

_ARCHIVED = re.compile(r"^(\d{8}-\d{6})_(.+)_([0-9a-f]{12})_(.+)$")


@dataclass(frozen=True)
class Arrival:
    """One file of the archive: when it was received, whose the intake judged it, its name then."""

    path: Path
    received: dt.datetime
    department: str | None  # None: archived as UNKNOWN
    name: str  # the name it had in the inbox (as the archive kept it: unsafe characters are "_")

    @property
    def day(self) -> dt.date:
        return self.received.date()


def arrivals(ws: Workspace) -> list[Arrival]:
    """Every file the archive holds, in the order received (same second: the order they were archived)."""
    folder = ws.folder("archive")
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _ARCHIVED.match(path.name)
        if match is None or not path.is_file():
            continue  # a temp file of an atomic write, or something put there by hand
        stamp, dept, _, name = match.groups()
        try:
            received = dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S").astimezone()
        except ValueError:
            continue
        found.append((received, path.stat().st_mtime_ns, path.name,
                      Arrival(path, received, None if dept == "UNKNOWN" else dept, name)))
    return [a for *_, a in sorted(found, key=lambda f: f[:3])]


def dated_masters(ws: Workspace) -> dict[dt.date, Path]:
    """master/history/'s dated copies: the master as each merge day's last merge wrote it, by day."""
    folder = ws.folder("master") / "history"
    pattern = re.compile(rf"^{re.escape(ws.project.code)}-master-(\d{{4}}-\d{{2}}-\d{{2}})\.xlsx$")
    out: dict[dt.date, Path] = {}
    if folder.is_dir():
        for path in folder.iterdir():
            if (match := pattern.match(path.name)) is not None:
                try:
                    out[dt.date.fromisoformat(match.group(1))] = path
                except ValueError:
                    continue
    return dict(sorted(out.items()))


def db_state(path: Path) -> str:
    """"missing", "healthy" or "damaged" (not a database, cut short, failing its integrity check, or
    without the tables a merge leaves)."""
    if not path.exists():
        return "missing"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            check = con.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        con.close()
        if check is None or check[0] != "ok" or "submissions" not in tables:
            return "damaged"
        StateDB(path).last_merge()  # opens as the commands do: version and tables
    except (sqlite3.DatabaseError, DatabaseUnreadable):
        return "damaged"
    except DatabaseTooNew:
        return "healthy"  # written by a newer xlflow: not ours to replace without --force
    return "healthy"


def move_aside(path: Path, tag: str, stamp: str) -> Path | None:
    """`path` (and its -wal and -shm files) renamed to `<name>.<tag>-<stamp>`, never deleted."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.{tag}-{stamp}")
    n = 2
    while target.exists():
        target, n = path.with_name(f"{path.name}.{tag}-{stamp}-{n}"), n + 1
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    os.replace(path, target)
    return target


# Tables whose rows say what happened in the scratch workspace only: the inbox journal (its files
# are gone), the retention record of master/history/ (the scratch copies: the real ones stay unknown,
# so they are kept) and what the read-back marked as read in a scratch file.
SCRATCH_ONLY = ("inbox", "master_copies", "master_written")


def fix_paths(db_path: Path, scratch: Path, root: Path) -> None:
    """Every text value naming the scratch workspace names the workspace instead; the scratch-only
    rows go. Then the file is checkpointed, so that it can be renamed alone."""
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table in SCRATCH_ONLY:
                con.execute(f"DELETE FROM {table}")
                continue
            for col in con.execute(f"PRAGMA table_info({table})").fetchall():
                if col[2].upper() == "TEXT":
                    con.execute(f"UPDATE {table} SET {col[1]} = replace({col[1]}, ?, ?) WHERE {col[1]} LIKE ?",
                                (str(scratch), str(root), f"%{scratch}%"))
        con.execute("DELETE FROM meta WHERE key='merge_due'")
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()


def unrecorded_before(ws: Workspace, db: StateDB) -> int:
    """How many archived files are older than the first file the database records (all of them when it
    records none), leaving out those the intake is taking in now (their record comes after the merge):
    a database lost and made anew by a later command. 0 for a database of its own."""
    with db.transaction() as con:
        row = con.execute("SELECT min(received) FROM submissions").fetchone()
        in_flight = {r[0] for r in con.execute("SELECT archive_path FROM inbox WHERE archive_path IS NOT NULL")}
    first = dt.datetime.fromisoformat(row[0]) if row and row[0] else None
    if first is not None and first.tzinfo is None:
        first = first.astimezone()
    return sum(1 for a in arrivals(ws) if (first is None or a.received < first) and str(a.path) not in in_flight)


def adopt_generations(db_path: Path, ws: Workspace, master: Path) -> None:
    """The masters' generations as the workspace knows them, not as the scratch numbered its own: the
    copies of what xlflow wrote (.xlflow/written/generations/<n>.xlsx) are known again, and the next
    master's number follows the newest one (the current master's stamp included), so a master or a
    copy of one is read against the right base."""
    from ..xlsx.read import read_properties  # here: `status` imports this module and must not load openpyxl

    folder = generations.copy_path(ws, 0).parent
    kept = sorted(int(p.stem) for p in folder.glob("*.xlsx") if p.stem.isdigit()) if folder.is_dir() else []
    try:
        stamped = int(float(read_properties(master).get(layout.PROP_GENERATION) or 0)) if master.is_file() else 0
    except ValueError:
        stamped = 0
    con = sqlite3.connect(db_path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("DELETE FROM master_generations")
        for n in kept:
            when = dt.datetime.fromtimestamp(generations.copy_path(ws, n).stat().st_mtime).astimezone()
            con.execute("INSERT INTO master_generations VALUES (?,?,?,?)",
                        (n, when.isoformat(timespec="seconds"), when.date().isoformat(), str(master)))
        if stamped > max(kept, default=0):  # its copy is gone: numbered past it all the same
            con.execute("INSERT INTO master_generations VALUES (?,?,?,'')", (stamped, now_iso(), dt.date.today().isoformat()))
        con.execute("COMMIT")
    finally:
        con.close()


KEPT_TABLES = ("renamed_departments", "retired_departments")  # decisions only the database knew


def carry_decisions(old: Path, new: Path) -> list[str]:
    """The coordinator's renames and retirements (`xlflow department rename/retire`) copied from the old
    database, as far as it can still be read, into the rebuilt one; the codes carried. The archive does
    not hold them, and without them a renamed department's workbooks (stamped with the former code) and
    a retired one's tasks would come back wrong."""
    if not old.is_file():
        return []
    carried: list[str] = []
    try:
        src = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
        try:
            StateDB(new)  # its tables exist (_renames and _departments registered them)
            with sqlite3.connect(new) as dst:
                for table in KEPT_TABLES:
                    try:
                        rows = src.execute(f"SELECT * FROM {table}").fetchall()
                    except sqlite3.DatabaseError:
                        continue  # not there (an older xlflow's) or not readable
                    if rows:
                        marks = ",".join("?" * len(rows[0]))
                        dst.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", rows)
                        carried += [str(r[0]) for r in rows]
            dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError:
        return carried
    return carried


def retired_codes(db_path: Path) -> frozenset[str]:
    """The departments the rebuilt database records as retired (their accepted/ file stays put away)."""
    return frozenset(r.department.code for r in _departments.retired(StateDB(db_path)))
