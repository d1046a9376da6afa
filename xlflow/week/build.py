"""load_week: the week holding a day, as the newest merge up to that day recorded it — the task
snapshots, the week's record (every part, an old record's missing parts recomputed in record.py),
the versions received, the submissions journal, the coordinator's layer and the scorecard — as one
WeekState. Every output of the week renders this value; none reassembles the week itself.
"""
from __future__ import annotations

import datetime as dt

from ..config import Workspace
from ..errors import XlflowError
from ..features.coordinator.week import escalations_of, master_edits
from ..features.scorecard.model import STALE_DAYS
from ..features.scorecard.week import make_scorecard
from ..plan.diff import PlanDiff
from ..plan.lateness import late_submissions
from ..store.records import SubmissionRecord
from ..store.snapshots import Snapshot
from ..store.state import StateDB, submitted_departments
from ..workdays import week_of
from .brief.model import PlanVersion
from .record import read_parts
from .state import Milestone, WeekState
from .tasks import conflicts_of, department_weeks, items_of, problems_of, tasks_of


def read_snapshots(db: StateDB, as_of: dt.date,
                   first_weekday: int) -> tuple[Snapshot, Snapshot | None, Snapshot | None]:
    """(current, previous, older): the newest snapshot up to `as_of`, the newest before its week,
    and the newest at least STALE_DAYS older than it. No snapshot at all is an error."""
    current = db.latest_snapshot_before(as_of, inclusive=True)
    if current is None:
        raise XlflowError("summary-no-snapshot", date=as_of.isoformat())
    previous = db.latest_snapshot_before(week_of(current[0], first_weekday).start)
    older = db.latest_snapshot_before(current[0] - dt.timedelta(days=STALE_DAYS), inclusive=True)
    return current, previous, older


def submitted(ws: Workspace, as_of: dt.date, db: StateDB) -> frozenset[str]:
    """Who submitted in the week holding `as_of`, up to that day: the store's one definition."""
    return submitted_departments(ws, week_of(as_of, ws.project.week_start).start, db, until=as_of)


def plan_versions(ws: Workspace, db: StateDB, as_of: dt.date,
                  records: dict[str, list[SubmissionRecord]] | None = None) -> tuple[PlanVersion, ...]:
    """Every department's versions received in the week holding `as_of`, up to that day (local time).
    `records`: each department's db.versions() when the caller read them."""
    start = week_of(as_of, ws.project.week_start).start
    out = []
    for d in ws.departments:
        for r in records[d.code] if records is not None else db.versions(d.code):
            received = ws.local(r.received).replace(tzinfo=None)
            if r.version is not None and start <= received.date() <= as_of:
                out.append(PlanVersion(d.code, r.version, received, r.file_name,
                                       PlanDiff.from_json(r.changes) if r.changes is not None else None,
                                       r.note or ""))
    return tuple(out)


def _current_versions(ws: Workspace, records: dict[str, list[SubmissionRecord]], as_of: dt.date) -> dict[str, int]:
    """Each department's newest accepted version received up to the end of `as_of`."""
    out = {}
    for d in ws.departments:
        numbers = [r.version for r in records[d.code]
                   if r.version is not None and ws.local(r.received).date() <= as_of]
        if numbers:
            out[d.code] = max(numbers)
    return out


def _milestones(rows: tuple[dict[str, object], ...]) -> tuple[Milestone, ...]:
    return tuple(Milestone(str(r.get("milestone") or ""), day if isinstance(day := r.get("planned_date"), dt.date)
                           else _iso_day(day), str(r.get("owner_department") or ""),
                           str(r.get("department") or "")) for r in rows)


def _iso_day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def load_week(ws: Workspace, as_of: dt.date, db: StateDB | None = None, scorecard: bool = True) -> WeekState:
    """The week holding `as_of`, as the newest merge up to that day recorded it. What the merge recorded
    (versions, submissions, the scorecard) is taken as of the merge's day when that merge is in the
    week (as the master it wrote), else as of `as_of`; the state's own `as_of` stays the day asked for,
    so a brief counts "due today", "overdue" and "stale" on its own day (`data_date` says how old
    the data is). Loading it again
    after later merges, decisions or re-baselines gives the same value. `scorecard=False` leaves the
    scorecard out (it reads every accepted version through the parse cache). No merge up to `as_of`:
    XlflowError "summary-no-snapshot"."""
    db = db or StateDB(ws.state_db)
    current, previous, older = read_snapshots(db, as_of, ws.project.week_start)
    week = week_of(as_of, ws.project.week_start)
    day = as_of  # the reader's day: the brief's clock
    if week_of(current[0], ws.project.week_start) == week:
        as_of = current[0]  # what was received and submitted: as the merge (and the master it wrote) saw it
    records = {d.code: db.versions(d.code) for d in ws.departments}
    versions = plan_versions(ws, db, as_of, records)
    done = submitted(ws, as_of, db)
    quiet = not versions and not done and current[0] < week.start  # no update, no merge this week
    if quiet:
        previous = current  # nothing new this week: the plan at the end of last week is the current one
    parts = read_parts(ws, db, current)
    tasks = tasks_of(current.tasks, parts.control) or ()
    subs = [{**vars(s), "received": s.received.isoformat()} for s in db.submissions()] + list(parts.sidecars)
    return WeekState(
        project_code=ws.project.code, week=week, as_of=day, data_date=current[0], tasks=tasks,
        departments=department_weeks(ws, tasks, subs, week, as_of, done, _current_versions(ws, records, as_of)),
        previous_tasks=tasks_of(previous[1]) if previous else None, previous_date=previous[0] if previous else None,
        milestones=_milestones(parts.milestones), critical_path=parts.critical_path, projected_end=parts.projected_end,
        baseline_end=parts.control.baseline_end, versions=versions, changes=parts.changes, moves=parts.control.moves,
        scorecard=make_scorecard(ws, as_of, db) if scorecard else None, risks=items_of(parts.risks),
        actions=items_of(parts.actions), problems=problems_of(parts.problems),
        raci_conflicts=conflicts_of(parts.raci_conflicts),
        late_submissions=tuple(late_submissions(ws, db.submissions(), week.start, as_of)),
        escalations=escalations_of(parts.escalations),
        master_edits=tuple(master_edits(db, week.start, as_of)), quiet=quiet,
        older_tasks=tasks_of(older[1]) if older else None, older_date=older[0] if older else None,
        control=parts.control)
