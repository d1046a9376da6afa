"""What `xlflow status` reports, as data: the latest submission and accepted version per
department, who has not submitted this week, the last merge, the inbox backlog, the e-mails
waiting in outbox/ and the recent submissions. The command line only formats it.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..config import Department, Workspace
from ..output.outbox import waiting_mails
from ..plan.lateness import LateSubmission, late_submissions
from ..store.journal import NOT_REMOVED, JournalState
from ..store.lateness import judgements
from ..store.ledger import Mismatch, verify_accepted
from ..store.state import MergeRecord, StateDB, SubmissionRecord, submitted_departments
from ..workdays import week_start
from .rebuildsteps import unrecorded_before

RECENT = 10  # submissions listed at the end
LATE_WEEKS = 4  # late submissions listed: those that arrived in the last four weeks


@dataclass(frozen=True)
class DepartmentStatus:
    department: Department
    latest: SubmissionRecord | None  # the last file received from it, whatever its result
    version: int | None  # its current accepted version; None if nothing was accepted


@dataclass(frozen=True)
class WorkspaceStatus:
    now: dt.datetime
    week_start: dt.date
    departments: tuple[DepartmentStatus, ...]
    not_submitted: tuple[str, ...]  # codes, in the configuration's order
    last_merge: MergeRecord | None
    pending: int  # inbox files not finished yet
    outbox: int  # e-mails waiting in outbox/ (not sent yet)
    recent: tuple[SubmissionRecord, ...]  # the newest first
    late: tuple[LateSubmission, ...] = ()  # arrived after their data week's deadline (plan/lateness.py)
    not_removed: tuple[tuple[str, str], ...] = ()  # (file name, why) of processed inbox files that could not be removed
    mismatches: tuple[Mismatch, ...] = ()  # accepted/ files that do not match the state database
    unrecorded: int = 0  # archived files older than the database's first record: it was lost (service/rebuild.py)


def workspace_status(ws: Workspace, now: dt.datetime, db: StateDB | None = None) -> WorkspaceStatus:
    db = db or StateDB(ws.state_db)
    subs = db.submissions()
    latest = {s.department: s for s in subs if s.department}  # received order: the last one wins
    for d in ws.departments:  # a renamed department's files received under its former codes count as its own
        for code in (c for c in d.former if c in latest and (d.code not in latest or latest[c].received > latest[d.code].received)):
            latest[d.code] = latest[code]
    accepted = db.accepted()
    start = week_start(now.date(), ws.project.week_start)
    submitted = submitted_departments(ws, start, db, until=now.date())  # now, not as the last merge saw it: files since count
    rows = tuple(DepartmentStatus(d, latest.get(d.code), accepted[d.code].version if d.code in accepted else None)
                 for d in ws.departments)
    entries = db.inbox_entries()
    pending = sum(1 for e in entries if e.state is not JournalState.DONE)
    stuck = tuple((Path(e.path).name, e.note[len(NOT_REMOVED):]) for e in entries
                  if e.state is JournalState.DONE and e.note and e.note.startswith(NOT_REMOVED) and os.path.lexists(e.path))
    return WorkspaceStatus(now, start, rows, tuple(d.code for d in ws.departments if d.code not in submitted),
                           db.last_merge(), pending, len(waiting_mails(ws)), tuple(reversed(subs[-RECENT:])),
                           tuple(late_submissions(ws, subs, start - dt.timedelta(weeks=LATE_WEEKS - 1), now.date(), judgements(db))),
                           stuck, tuple(verify_accepted(ws, db, adopt=False)[1]), unrecorded_before(ws, db))
