"""The workspace's memory: an embedded SQLite database (xlflow.sqlite).

It records every submission, the accepted version per department, the inbox
index the watcher reconciles against (and uses as its crash journal), and a
snapshot of all tasks at every merge, which the weekly brief compares.

Rows come back as frozen dataclasses (SubmissionRecord, AcceptedVersion, InboxEntry, MergeRecord)
and snapshots as Snapshot values (snapshots.py). submitted_departments() is the one answer to
"has this department submitted this week".

Every call opens its own short-lived connection, so a StateDB object can be
shared between the watcher's threads and with other processes (WAL mode lets
readers such as `xlflow status` run while the watcher writes).
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from ..config import Workspace
from . import snapchain, snapshots
from .accepted import AcceptedVersion, read_accepted
from .db import SCHEMA_VERSION, Database, now_iso, register  # noqa: F401 - SCHEMA_VERSION, now_iso: as before
from .journal import JournalState
from .jsonvalues import packed
from .records import (  # noqa: F401 - the rows StateDB returns
    FORCED,
    RESTORED,
    RESULTS,
    InboxEntry,
    MergeRecord,
    SubmissionRecord,
)
from .renames import SCHEMA as _RENAMED  # noqa: F401 - registers the table _CODES reads
from .snapshots import Snapshot, SnapshotTask  # noqa: F401 - SnapshotTask: as before

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    department TEXT,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    received TEXT NOT NULL,
    result TEXT NOT NULL,
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    archive_path TEXT,
    version INTEGER,
    recorded TEXT NOT NULL,
    update_date TEXT,
    changes TEXT,  -- JSON of plan.diff.PlanDiff: what this version changed in the department's plan
    note TEXT  -- e.g. restored from version 3, accepted by the coordinator despite the guards
);
CREATE INDEX IF NOT EXISTS submissions_sha ON submissions (sha256);
CREATE INDEX IF NOT EXISTS submissions_received ON submissions (received);
CREATE TABLE IF NOT EXISTS accepted (
    department TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    received TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox (
    path TEXT PRIMARY KEY,
    size INTEGER,
    mtime REAL,
    sha256 TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    received TEXT,
    archive_path TEXT,
    note TEXT,
    changed REAL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY,
    as_of TEXT NOT NULL,
    master_path TEXT NOT NULL,
    created TEXT NOT NULL,
    task_count INTEGER NOT NULL,
    tasks TEXT NOT NULL  -- compressed JSON columns of the tasks (snapshots.py), read whole by the brief;
                         -- '' once a later merge of the same day superseded it
);
CREATE INDEX IF NOT EXISTS snapshots_as_of ON snapshots (as_of);
"""

# Columns added after schema 1, added in place to an older database (nothing is rewritten).
register("store.state", _SCHEMA, added=((2, "submissions", "update_date", "TEXT"), (2, "submissions", "changes", "TEXT"),
                                        (2, "submissions", "note", "TEXT")))

# The department's code and every code it had before a rename (store/renames.py): its history is under all.
_CODES = ("WITH RECURSIVE codes(code) AS (SELECT ? UNION SELECT old FROM renamed_departments"
          " JOIN codes ON renamed_departments.new = codes.code) ")

_VERSIONS = (_CODES + "SELECT * FROM submissions WHERE department IN (SELECT code FROM codes)"
             " AND result='accepted' ORDER BY version, id")  # a department's accepted versions, oldest first

_INBOX_COLUMNS = ("size", "mtime", "sha256", "state", "attempts", "received", "archive_path", "note", "changed")


class StateDB(Database):
    """The submissions, the accepted versions, the inbox journal and the task snapshots."""

    # --- submissions and accepted versions -------------------------------------------------

    def record_submission(self, department: str | None, file_name: str, sha256: str,
                          received: dt.datetime | str, result: str, errors: int = 0, warnings: int = 0,
                          archive_path: str | Path | None = None, version: int | None = None,
                          inbox_path: str | Path | None = None, merge_due: bool = False,
                          update_date: dt.date | None = None, changes: dict | None = None,
                          note: str | None = None, inbox_state: JournalState = JournalState.DONE) -> int:
        """One row per received file. An accepted one also becomes the department's current version.
        With `inbox_path`, the file's journal entry is marked done (or `inbox_state`) in the same transaction,
        so a crash can never record a file twice. `merge_due` notes, in that same transaction,
        that the master still has to be re-merged (the watcher merges once after a burst)."""
        if result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}, not {result!r}")
        received_s = received.isoformat(timespec="seconds") if isinstance(received, dt.datetime) else received
        with self.transaction() as con:
            cur = con.execute(
                "INSERT INTO submissions (department, file_name, sha256, received, result, errors, warnings,"
                " archive_path, version, recorded, update_date, changes, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (department, file_name, sha256, received_s, result, errors, warnings,
                 str(archive_path) if archive_path else None, version, now_iso(),
                 update_date.isoformat() if update_date else None,
                 packed(json.dumps(changes, ensure_ascii=False)) if changes else None, note))
            if result == "accepted" and department:
                con.execute(
                    "INSERT INTO accepted VALUES (?,?,?,?,?) ON CONFLICT (department) DO UPDATE SET"
                    " version=excluded.version, sha256=excluded.sha256, file_name=excluded.file_name,"
                    " received=excluded.received",
                    (department, version or 0, sha256, file_name, received_s))
            if inbox_path is not None:
                con.execute("UPDATE inbox SET state=?, updated=? WHERE path=?",
                            (inbox_state, now_iso(), str(inbox_path)))
            if merge_due:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('merge_due', ?)", (now_iso(),))
            return int(cur.lastrowid or 0)  # (an INSERT always sets it)

    def merge_due(self) -> bool:
        """True if an accepted submission is not in the master yet."""
        with self.transaction() as con:
            return con.execute("SELECT 1 FROM meta WHERE key='merge_due'").fetchone() is not None

    def clear_merge_due(self) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM meta WHERE key='merge_due'")

    def note_merge_due(self) -> None:
        """The master still has to be re-merged (a merge failed): the next one (or start) does it."""
        with self.transaction() as con:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('merge_due', ?)", (now_iso(),))

    def seen_hash(self, sha256: str) -> bool:
        """True if this exact content was received before (whatever became of it)."""
        with self.transaction() as con:
            return con.execute("SELECT 1 FROM submissions WHERE sha256=? LIMIT 1", (sha256,)).fetchone() is not None

    def submission_for_hash(self, sha256: str) -> SubmissionRecord | None:
        """The first submission of this content (the one that was actually processed)."""
        with self.transaction() as con:
            row = con.execute("SELECT * FROM submissions WHERE sha256=? AND result != 'duplicate'"
                              " ORDER BY id LIMIT 1", (sha256,)).fetchone()
        return SubmissionRecord.from_row(row) if row else None

    def submissions(self, since: dt.datetime | dt.date | None = None) -> list[SubmissionRecord]:
        """Submissions in the order they were received, optionally only those received at or after `since`
        (then only the rows of the days around it are read: a week's steps cost the same late in a project)."""
        if since is None:
            return self.received_from(None)
        moment = _as_datetime(since)
        return [s for s in self.received_from(moment.date() - _MARGIN) if _as_datetime(s.received) >= moment]

    def received_from(self, day: dt.date | None) -> list[SubmissionRecord]:
        """Submissions whose stored time of receipt is dated `day` or later in its own offset (all: None),
        in the order received. Any zone's date of a moment is within a day of its stored date: a caller
        asking about a local day D reads from D - 2 days and filters exactly."""
        where, args = ("WHERE received >= ?", (day.isoformat(),)) if day is not None else ("", ())
        with self.transaction() as con:
            rows = con.execute(f"SELECT * FROM submissions {where} ORDER BY received, id", args).fetchall()
        return [SubmissionRecord.from_row(r) for r in rows]

    def count_received_before(self, day: dt.date) -> int:
        """How many submissions' stored time of receipt is dated before `day` (see received_from)."""
        with self.transaction() as con:
            return int(con.execute("SELECT count(*) FROM submissions WHERE received < ?", (day.isoformat(),)).fetchone()[0])

    def submitting_departments(self, restored: bool = False) -> frozenset[str]:
        """Departments with an accepted submission of their own in the journal (a version the
        coordinator restored counts only with `restored`)."""
        own = "" if restored else " AND (note IS NULL OR substr(note, 1, ?) <> ?)"
        with self.transaction() as con:
            rows = con.execute("SELECT DISTINCT department FROM submissions WHERE result='accepted' AND department <> ''"
                               + own, () if restored else (len(RESTORED), RESTORED)).fetchall()
        return frozenset(r[0] for r in rows if r[0])

    def accepted_times(self, before: dt.date) -> list[tuple[str, str]]:
        """(department, time received as stored) of the accepted submissions stored as received before
        `before` (see received_from): two columns, not the rows, for "the newest accepted file"."""
        with self.transaction() as con:
            rows = con.execute("SELECT department, received FROM submissions WHERE result='accepted'"
                               " AND department <> '' AND received < ?", (before.isoformat(),)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def versions(self, department: str) -> list[SubmissionRecord]:
        """Every accepted version of the department, oldest first: its plan's history."""
        return self.versions_of([department])[department]

    def versions_of(self, departments: Iterable[str]) -> dict[str, list[SubmissionRecord]]:
        """versions() of each department, read in one transaction."""
        with self.transaction() as con:
            return {d: [SubmissionRecord.from_row(r) for r in con.execute(_VERSIONS, (d,)).fetchall()] for d in departments}

    def history(self, department: str) -> list[SubmissionRecord]:
        """Everything received from the department, in the order received (rejected files included)."""
        with self.transaction() as con:
            rows = con.execute(_CODES + "SELECT * FROM submissions WHERE department IN (SELECT code FROM codes)"
                               " ORDER BY received, id", (department,)).fetchall()
        return [SubmissionRecord.from_row(r) for r in rows]

    def accepted_version(self, department: str) -> int:
        """The department's current accepted version number; 0 if nothing was accepted yet."""
        with self.transaction() as con:
            row = con.execute("SELECT version FROM accepted WHERE department=?", (department,)).fetchone()
        return int(row[0]) if row else 0

    def accepted(self) -> dict[str, AcceptedVersion]:
        """department -> its current accepted version, as recorded (path None: see store.accepted)."""
        with self.transaction() as con:
            rows = con.execute("SELECT * FROM accepted ORDER BY department").fetchall()
        return {r["department"]: AcceptedVersion(r["department"], r["version"],
                                                 dt.datetime.fromisoformat(r["received"]), r["file_name"],
                                                 r["sha256"]) for r in rows}

    # --- inbox index: reconciliation and crash journal ------------------------------------

    def inbox_entry(self, path: str | Path) -> InboxEntry | None:
        with self.transaction() as con:
            row = con.execute("SELECT * FROM inbox WHERE path=?", (str(path),)).fetchone()
        return InboxEntry.from_row(row) if row else None

    def inbox_entries(self, states: Iterable[JournalState] | None = None) -> list[InboxEntry]:
        with self.transaction() as con:
            rows = con.execute("SELECT * FROM inbox ORDER BY first_seen, path").fetchall()
        entries = [InboxEntry.from_row(r) for r in rows]
        wanted = None if states is None else set(states)
        return [e for e in entries if wanted is None or e.state in wanted]

    def mark_inbox(self, path: str | Path, **fields: object) -> InboxEntry:
        """Create or update the entry for `path` (fields: size, mtime, sha256, state, attempts,
        received, archive_path, note, changed)."""
        unknown = set(fields) - set(_INBOX_COLUMNS)
        if unknown:
            raise ValueError(f"unknown inbox fields: {sorted(unknown)}")
        stamp = dt.datetime.now().astimezone().isoformat(timespec="microseconds")  # orders arrivals
        with self.transaction() as con:
            exists = con.execute("SELECT 1 FROM inbox WHERE path=?", (str(path),)).fetchone()
            if exists:
                if fields:
                    sets = ", ".join(f"{k}=?" for k in fields)
                    con.execute(f"UPDATE inbox SET {sets}, updated=? WHERE path=?",
                                (*fields.values(), stamp, str(path)))
            else:
                values = {"state": JournalState.SEEN, "attempts": 0, **fields}
                cols = ", ".join(values)
                con.execute(f"INSERT INTO inbox (path, first_seen, updated, {cols}) VALUES (?,?,?,"
                            f"{','.join('?' * len(values))})", (str(path), stamp, stamp, *values.values()))
            row = con.execute("SELECT * FROM inbox WHERE path=?", (str(path),)).fetchone()
        return InboxEntry.from_row(row)

    def forget_inbox(self, path: str | Path) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM inbox WHERE path=?", (str(path),))

    # --- merges and task snapshots ---------------------------------------------------------

    def record_merge(self, as_of: dt.date, master_path: str | Path, tasks: snapshots.Tasks,
                     encoded: bytes | None = None) -> int:
        """Record this merge with a snapshot of every task (columns, as MasterPlan.snapshot_columns()
        makes them, or rows with SnapshotTask's fields); returns the snapshot id.

        The watcher merges after every accepted file, and 50,000 tasks are ~30 MB of JSON: only
        the day's newest snapshot keeps its tasks (the brief compares days and weeks), compressed,
        and as a delta against an earlier full snapshot (snapchain.py). `encoded`: the caller's
        snapshots.encoded(tasks, self.snapshot_base(as_of))."""
        blob = encoded if encoded is not None else snapshots.encoded(tasks, self.snapshot_base(as_of))[0]
        with self.transaction() as con:
            if not snapchain.usable(con, blob, as_of):  # its base was superseded meanwhile
                blob = snapshots.encode(tasks)
            snapchain.release(con, as_of)
            con.execute("UPDATE snapshots SET tasks='' WHERE as_of=?", (as_of.isoformat(),))
            cur = con.execute("INSERT INTO snapshots (as_of, master_path, created, task_count, tasks)"
                              " VALUES (?,?,?,?,?)", (as_of.isoformat(), str(master_path), now_iso(), snapshots.count(tasks), blob))
            return int(cur.lastrowid or 0)  # (an INSERT always sets it)

    def snapshot_base(self, as_of: dt.date) -> snapshots.Base | None:
        """The full snapshot a merge of `as_of` stores its tasks against (None: in full)."""
        with self.transaction() as con:
            return snapchain.base_for(con, as_of)

    def last_merge(self) -> MergeRecord | None:
        with self.transaction() as con:
            row = con.execute("SELECT id, as_of, master_path, created, task_count FROM snapshots"
                              " ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return MergeRecord(row["id"], dt.date.fromisoformat(row["as_of"]), row["master_path"], row["created"],
                           row["task_count"])

    def last_recorded_day(self) -> dt.date | None:
        """The latest day any merge recorded (a merge for an earlier day is behind the record)."""
        with self.transaction() as con:
            row = con.execute("SELECT max(as_of) FROM snapshots").fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def snapshot(self, snapshot_id: int) -> Snapshot:
        with self.transaction() as con:
            head = con.execute("SELECT as_of, tasks FROM snapshots WHERE id=?", (snapshot_id,)).fetchone()
            tasks = snapchain.read(con, head[1]) if head is not None else None
        if tasks is None:
            raise KeyError(snapshot_id)
        return Snapshot(dt.date.fromisoformat(head[0]), tasks)

    def snapshots_between(self, start: dt.date, end: dt.date) -> list[Snapshot]:
        """Every kept snapshot with start <= as_of <= end (one per day: its newest merge), oldest first
        (a delta whose base is missing or damaged left out)."""
        bases: dict[int, snapshots.Base] = {}
        with self.transaction() as con:
            heads = con.execute("SELECT as_of, tasks FROM snapshots WHERE as_of BETWEEN ? AND ? AND length(tasks) > 0"
                                " ORDER BY as_of, id", (start.isoformat(), end.isoformat())).fetchall()
            read = [(h["as_of"], snapchain.read(con, h["tasks"], bases)) for h in heads]
        return [Snapshot(dt.date.fromisoformat(day), tasks) for day, tasks in read if tasks is not None]

    def _newest(self, day: dt.date, inclusive: bool) -> snapchain.Newest | None:
        with self.transaction() as con:
            return snapchain.newest(con, day, inclusive)

    def latest_snapshot_before(self, day: dt.date, inclusive: bool = False) -> Snapshot | None:
        """The newest snapshot with as_of < day (<= with inclusive=True), or None (also when it cannot
        be read: a delta whose base is missing or damaged; damaged_snapshot_before names its day)."""
        found = self._newest(day, inclusive)
        return Snapshot(found[0], found[1]) if found is not None and found[1] is not None else None

    def snapshot_day_before(self, day: dt.date, inclusive: bool = False) -> dt.date | None:
        """The day of the snapshot latest_snapshot_before reads (None exactly when it reads none)."""
        with self.transaction() as con:
            return snapchain.newest_day(con, day, inclusive)

    def damaged_snapshot_before(self, day: dt.date, inclusive: bool = False) -> dt.date | None:
        """The day of the newest snapshot up to `day` when it cannot be read (None: readable, or none);
        asked when latest_snapshot_before read none, so it reads the snapshot again (an error's path)."""
        found = self._newest(day, inclusive)
        return found[0] if found is not None and found[1] is None else None


def submitted_departments(ws: Workspace, week_start: dt.date, db: StateDB | None = None,
                          until: dt.date | None = None) -> frozenset[str]:
    """THE definition of "has submitted this week": departments with an accepted submission
    received (in local time) on week_start .. week_start + 6 days, and not after `until` (the
    day a dashboard or a brief is "as of": a brief made again later shows what it showed then).

    The source is the submissions journal; a department the journal knows no accepted
    submission of counts by its accepted/ sidecar (a workbook put there by hand or restored)."""
    db = db or StateDB(ws.state_db)
    subs = db.received_from(week_start - _MARGIN)  # the week's rows (and a margin for time zones), not all
    now = {c: d.code for d in ws.departments for c in d.former}  # received before a rename: the department's
    accepted = [(now.get(s.department, s.department), s.received) for s in subs if s.result == "accepted"
                and s.department and not (s.note or "").startswith(RESTORED)]  # a revert is not a submission
    known = {now.get(code, code) for code in db.submitting_departments()}
    accepted += [(a.department, a.received) for a in read_accepted(ws, but=known) if a.received is not None]
    last = week_start + dt.timedelta(days=6)
    if until is not None:
        last = min(last, until)
    return frozenset(dept for dept, received in accepted
                     if week_start <= _as_datetime(received).astimezone().date() <= last)


_MARGIN = dt.timedelta(days=2)  # a stored time's date against any zone's date of it: within a day


def _as_datetime(value: dt.datetime | dt.date | str) -> dt.datetime:
    """Comparable aware datetimes: naive values are taken as local time."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.astimezone()
