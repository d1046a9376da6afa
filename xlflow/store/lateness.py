"""Lateness as judged when a file arrived (issue 18 item 10): a changed time zone or deadline in
xlflow.toml must not re-judge which past files were late. Each accepted file is judged once (by
plan/lateness.py: `judge`) as the intake records it (and at the next merge for one the coordinator
accepted or restored), and the judgement is kept here; the brief and `xlflow status` read it back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .db import Database, register
from .records import SubmissionRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS late_judged (
    submission_id INTEGER PRIMARY KEY,  -- submissions.id
    arrived TEXT NOT NULL,  -- wall time in the workspace's time zone at arrival, no offset
    data_week TEXT NOT NULL,  -- the first day of the week the file's data is for
    deadline TEXT NOT NULL,  -- that week's deadline, wall time
    late INTEGER NOT NULL
);
"""
register("store.lateness", SCHEMA)


@dataclass(frozen=True)
class Judgement:
    arrived: dt.datetime  # naive wall time
    data_week: dt.date
    deadline: dt.datetime  # naive wall time
    late: bool


def keep(db: Database, judged: dict[int, Judgement]) -> None:
    """Record judgements by submission id; one already recorded is never replaced."""
    with db.transaction() as con:
        con.executemany("INSERT OR IGNORE INTO late_judged VALUES (?,?,?,?,?)",
                        [(i, j.arrived.isoformat(), j.data_week.isoformat(), j.deadline.isoformat(), int(j.late))
                         for i, j in judged.items()])


def unjudged(db: Database) -> list[SubmissionRecord]:
    """Accepted files of a department not judged yet, in the order received: read by the index, not by
    going through every file on record (the intake asks after each file: a year of files, 12 a week)."""
    with db.transaction() as con:
        rows = con.execute("SELECT * FROM submissions s WHERE result='accepted' AND department IS NOT NULL"
                           " AND department != '' AND NOT EXISTS (SELECT 1 FROM late_judged j"
                           " WHERE j.submission_id = s.id) ORDER BY received, id").fetchall()
    return [SubmissionRecord.from_row(r) for r in rows]


def judgements(db: Database) -> dict[int, Judgement]:
    """Every recorded judgement by submission id."""
    with db.transaction() as con:
        rows = con.execute("SELECT * FROM late_judged").fetchall()
    return {r["submission_id"]: Judgement(dt.datetime.fromisoformat(r["arrived"]), dt.date.fromisoformat(r["data_week"]),
                                          dt.datetime.fromisoformat(r["deadline"]), bool(r["late"])) for r in rows}
