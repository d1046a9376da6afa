"""Baselines: what was agreed, kept in the state database and never overwritten.

A task's baseline is its start, due and owner as first accepted (reason ACCEPTED, or BACKFILL
when taken from the history of a workspace that predates baselines). An approved change request
naming the task adds a new baseline row whose reason is the request's ID: the newest row is the
task's current baseline, the older rows its history. A named baseline ("kick-off") is a copy of
the whole project's plan at a moment, stored under its name; a name is never reused, so every
named baseline stays available.

Rows come back as frozen Baseline values. Baselines(db) uses the database's transactions; the
tables are registered with the database (store/db.py) below.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from ...errors import UsageError
from ...store.db import Database, register
from ...workdays import as_date

ACCEPTED = "accepted"  # the task as first accepted at intake (or by revert / accept)
BACKFILL = "backfill"  # taken from the version history of a workspace older than baselines
TASKS = ""  # the `name` of the per-task baselines; named baselines carry their name

SCHEMA = """
CREATE TABLE IF NOT EXISTS baselines (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',  -- '' for the per-task baselines, else the named baseline's name
    task_id TEXT NOT NULL,
    department TEXT NOT NULL,
    start TEXT,
    due TEXT,
    owner TEXT,
    reason TEXT NOT NULL,  -- accepted | backfill | a change request's ID | named: the name
    set_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS baselines_task ON baselines (name, task_id, id);
CREATE TABLE IF NOT EXISTS plan_ends (
    as_of TEXT PRIMARY KEY,  -- the merge's day: its newest merge wins, as with the task snapshots
    projected_end TEXT,
    baseline_end TEXT,
    slipped INTEGER NOT NULL,
    recorded TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS baseline_withdrawals (  -- a change's re-baseline withdrawn (1) or reinstated (0)
    id INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL,
    reason TEXT NOT NULL,  -- the change request's ID the baseline row carries
    withdrawn INTEGER NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS baseline_names (
    name TEXT PRIMARY KEY,
    as_of TEXT NOT NULL,
    created TEXT NOT NULL,
    tasks INTEGER NOT NULL
);
"""
register("store.baselines", SCHEMA)


@dataclass(frozen=True, slots=True)
class Baseline:
    """One task's agreed start, due and owner; `reason` says where it comes from (see the module)."""

    task_id: str
    department: str
    start: dt.date | None
    due: dt.date | None
    owner: str | None
    reason: str
    set_at: dt.datetime
    name: str = TASKS

    @property
    def from_change(self) -> bool:
        """Re-baselined by an approved change request (the reason is its ID)."""
        return self.name == TASKS and self.reason not in (ACCEPTED, BACKFILL)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Baseline:
        return cls(row["task_id"], row["department"], as_date(row["start"]), as_date(row["due"]), row["owner"],
                   row["reason"], _aware(dt.datetime.fromisoformat(row["set_at"])), row["name"])


@dataclass(frozen=True)
class NamedBaseline:
    """A whole-project baseline set by the coordinator: its name, the day it describes, when, how many tasks."""

    name: str
    as_of: dt.date
    created: dt.datetime
    tasks: int


@dataclass(frozen=True)
class PlanEnd:
    """What a merge saw: the projected end (critical path), the baseline end, the tasks due later than their baseline."""

    as_of: dt.date
    projected_end: dt.date | None
    baseline_end: dt.date | None
    slipped: int


class TaskBaselines:
    """Every per-task baseline row, read in one query (Baselines.read): the current, first and
    past baselines of each task from memory. A merge reads them once and hands this to each step
    (recording, change control, the scorecard); rows recorded meanwhile are added with `add`."""

    def __init__(self, rows: Iterable[tuple[int, Baseline]]) -> None:
        self._rows: dict[str, list[tuple[int, Baseline]]] = {}
        rows = list(rows)
        for row in rows:
            self._rows.setdefault(row[1].task_id, []).append(row)
        self._next = max((row[0] for row in rows), default=-1) + 1
        self._current: dict[str, Baseline] | None = None  # current(), until a row is added or withdrawn

    def add(self, b: Baseline) -> None:
        """A row just written (record_first, rebaseline): newest of its task's history."""
        if b.set_at.tzinfo is None:
            b = replace(b, set_at=b.set_at.astimezone())  # as read back: always aware
        self._rows.setdefault(b.task_id, []).append((self._next, b))
        self._next += 1
        self._current = None

    @property
    def known(self) -> set[str]:
        return set(self._rows)

    def withdraw(self, task_id: str, reason: str) -> None:
        """A change's re-baseline no longer counts (its decision was rejected or cleared)."""
        self._rows[task_id] = [(i, b) for i, b in self._rows.get(task_id, ()) if b.reason != reason]
        self._current = None

    def current(self) -> dict[str, Baseline]:
        """As Baselines.current(), in the same order (by the id of each task's newest row); a new dict
        each time, made once until the rows change."""
        if self._current is None:
            self._current = {rows[-1][1].task_id: rows[-1][1]
                             for rows in sorted(self._rows.values(), key=lambda r: r[-1][0])}
        return dict(self._current)

    def first(self) -> dict[str, Baseline]:
        """As Baselines.first(): the first row read is the oldest, so the order is the rows'."""
        return {tid: rows[0][1] for tid, rows in self._rows.items()}

    def history(self, task_id: str) -> list[Baseline]:
        return [b for _, b in self._rows.get(task_id, ())]


class Baselines:
    """The baselines of a workspace's state database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- per-task baselines -----------------------------------------------------------------

    def read(self) -> TaskBaselines:
        """Every per-task row at once (one query; each distinct moment and date parsed once)."""
        with self.db.transaction() as con:
            cursor = con.cursor()
            cursor.row_factory = None  # plain tuples: the rows are only unpacked
            # NOT INDEXED: one pass over the table, already in id order (through the index on the name,
            # nearly every row would be looked up one by one and then sorted)
            rows = cursor.execute("SELECT id, task_id, department, start, due, owner, reason, set_at FROM baselines"
                                  " NOT INDEXED WHERE name='' ORDER BY id").fetchall()
            gone = _withdrawn(con)
        if gone:
            rows = [r for r in rows if (r[1], r[6]) not in gone]
        days = {text: as_date(text) for text in {r[3] for r in rows} | {r[4] for r in rows}}
        moments = {text: _aware(dt.datetime.fromisoformat(text)) for text in {r[7] for r in rows}}
        return TaskBaselines((r[0], Baseline(r[1], r[2], days[r[3]], days[r[4]], r[5], r[6], moments[r[7]]))
                             for r in rows)

    def current(self) -> dict[str, Baseline]:
        """Task ID -> its current baseline (the newest row of its history that still counts)."""
        return self.read().current()

    def withdraw(self, task_id: str, reason: str, set_at: dt.datetime) -> None:
        """The re-baseline of change `reason` no longer counts (its row stays, as history)."""
        with self.db.transaction() as con:
            con.execute("INSERT INTO baseline_withdrawals (task_id, reason, withdrawn, set_at) VALUES (?,?,1,?)",
                        (task_id, reason, set_at.isoformat(timespec="seconds")))

    def first(self) -> dict[str, Baseline]:
        """Task ID -> its first baseline (as first accepted), whatever re-baselined it since."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT * FROM baselines WHERE id IN (SELECT min(id) FROM baselines"
                               " WHERE name='' GROUP BY task_id) ORDER BY id").fetchall()
        return {r["task_id"]: Baseline.from_row(r) for r in rows}

    def history(self, task_id: str) -> list[Baseline]:
        """Every baseline the task has had, oldest first."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT * FROM baselines WHERE name='' AND task_id=? ORDER BY id",
                               (task_id,)).fetchall()
        return [Baseline.from_row(r) for r in rows]

    def known(self) -> set[str]:
        """The IDs of the tasks that have a baseline."""
        with self.db.transaction() as con:
            return {r[0] for r in con.execute("SELECT DISTINCT task_id FROM baselines WHERE name=''")}

    def empty(self) -> bool:
        with self.db.transaction() as con:
            return con.execute("SELECT 1 FROM baselines WHERE name='' LIMIT 1").fetchone() is None

    def record_first(self, department: str, tasks: Mapping[str, Mapping[str, object]],
                     set_at: dt.datetime, reason: str = ACCEPTED, known: set[str] | None = None) -> list[Baseline]:
        """Baseline every task of `tasks` (task ID -> row values: start, due, owner) that has none yet;
        a task that has one keeps it. Returns the baselines recorded now. `known`: the IDs with a
        baseline when the caller has just read them (updated here), else read now."""
        stamp = set_at.isoformat(timespec="seconds")
        out = []
        with self.db.transaction() as con:
            if known is None:
                known = {r[0] for r in con.execute("SELECT DISTINCT task_id FROM baselines WHERE name=''")}
            for task_id, values in tasks.items():
                if task_id in known:
                    continue
                row = (task_id, department, _iso(values.get("start")), _iso(values.get("due")),
                       _text(values.get("owner")), reason, stamp)
                con.execute("INSERT INTO baselines (name, task_id, department, start, due, owner, reason, set_at)"
                            " VALUES ('',?,?,?,?,?,?,?)", row)
                known.add(task_id)
                out.append(Baseline(task_id, department, as_date(row[2]), as_date(row[3]), row[4], reason,
                                    dt.datetime.fromisoformat(stamp)))
        return out

    def rebaseline(self, task_id: str, department: str, start: dt.date | None, due: dt.date | None,
                   owner: str | None, reason: str, set_at: dt.datetime) -> Baseline | None:
        """A new baseline for the task (an approved change request: `reason` is its ID); the old rows
        stay. Nothing is written when the request has re-baselined the task already (None)."""
        stamp = set_at.isoformat(timespec="seconds")
        with self.db.transaction() as con:
            if con.execute("SELECT 1 FROM baselines WHERE name='' AND task_id=? AND reason=?",
                           (task_id, reason)).fetchone():
                if (task_id, reason) not in _withdrawn(con):
                    return None
                con.execute("INSERT INTO baseline_withdrawals (task_id, reason, withdrawn, set_at) VALUES (?,?,0,?)",
                            (task_id, reason, stamp))  # decided again: the earlier row counts again
                row = con.execute("SELECT * FROM baselines WHERE name='' AND task_id=? AND reason=? ORDER BY id"
                                  " DESC LIMIT 1", (task_id, reason)).fetchone()
                return Baseline.from_row(row)
            con.execute("INSERT INTO baselines (name, task_id, department, start, due, owner, reason, set_at)"
                        " VALUES ('',?,?,?,?,?,?,?)", (task_id, department, _iso(start), _iso(due), owner,
                                                       reason, stamp))
        return Baseline(task_id, department, start, due, owner, reason, dt.datetime.fromisoformat(stamp))

    # --- the project's end at each merge -------------------------------------------------------

    def record_end(self, end: PlanEnd) -> None:
        with self.db.transaction() as con:
            con.execute("INSERT OR REPLACE INTO plan_ends VALUES (?,?,?,?,?)",
                        (end.as_of.isoformat(), _iso(end.projected_end), _iso(end.baseline_end), end.slipped,
                         dt.datetime.now().astimezone().isoformat(timespec="seconds")))

    def end_on(self, as_of: dt.date) -> PlanEnd | None:
        """What the newest merge on or before `as_of` recorded (None before the first)."""
        with self.db.transaction() as con:
            row = con.execute("SELECT * FROM plan_ends WHERE as_of <= ? ORDER BY as_of DESC LIMIT 1",
                              (as_of.isoformat(),)).fetchone()
        return PlanEnd(dt.date.fromisoformat(row["as_of"]), as_date(row["projected_end"]), as_date(row["baseline_end"]),
                       row["slipped"]) if row else None

    # --- named whole-project baselines ------------------------------------------------------

    def set_named(self, name: str, as_of: dt.date, tasks: Iterable[Baseline],
                  created: dt.datetime | None = None) -> NamedBaseline:
        """Store the whole project's plan under `name`; a name already used is refused (nothing is overwritten)."""
        name = name.strip()
        if not name:
            raise UsageError("baseline-name-empty")
        stamp = (created or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        rows = [(name, t.task_id, t.department, _iso(t.start), _iso(t.due), t.owner, name, stamp) for t in tasks]
        with self.db.transaction() as con:
            found = con.execute("SELECT as_of, created FROM baseline_names WHERE name=?", (name,)).fetchone()
            if found:
                raise UsageError("baseline-name-taken", name=name, as_of=found[0],
                                 created=dt.datetime.fromisoformat(found[1]).strftime("%Y-%m-%d %H:%M"))
            con.execute("INSERT INTO baseline_names VALUES (?,?,?,?)", (name, as_of.isoformat(), stamp, len(rows)))
            con.executemany("INSERT INTO baselines (name, task_id, department, start, due, owner, reason, set_at)"
                            " VALUES (?,?,?,?,?,?,?,?)", rows)
        return NamedBaseline(name, as_of, dt.datetime.fromisoformat(stamp), len(rows))

    def named(self, name: str) -> dict[str, Baseline]:
        """Task ID -> its baseline in the named baseline ({} for an unknown name)."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT * FROM baselines WHERE name=? ORDER BY id", (name,)).fetchall()
        return {r["task_id"]: Baseline.from_row(r) for r in rows} if name else {}

    def list_named(self) -> list[NamedBaseline]:
        """Every named baseline, oldest first."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT * FROM baseline_names ORDER BY created, name").fetchall()
        return [NamedBaseline(r["name"], dt.date.fromisoformat(r["as_of"]), dt.datetime.fromisoformat(r["created"]),
                              r["tasks"]) for r in rows]


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value).strip() or None


def _aware(at: dt.datetime) -> dt.datetime:
    """A stored moment, comparable with every other: one written without its offset is local time."""
    return at if at.tzinfo else at.astimezone()


def _withdrawn(con: sqlite3.Connection) -> set[tuple[str, str]]:
    """(task ID, change ID) of the re-baselines withdrawn now (the newest event of each says so)."""
    rows = con.execute("SELECT task_id, reason, withdrawn FROM baseline_withdrawals ORDER BY id").fetchall()
    state = {(r[0], r[1]): r[2] for r in rows}
    return {k for k, v in state.items() if v}
