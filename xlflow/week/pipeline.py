"""The week's pipeline: the one place that puts the features' parts together into a WeekState, in
order — the tasks against their baselines (change control), the departments' standing, the
versions received, the change register, the notices (lateness, dependency and RACI problems), the
coordinator's layer, the scorecard.

The merge calls `merge_week` with what it computed (the plan, the register, the control, the
scorecard) and stores the value whole (week/stored.py, version 2) but its scorecard's finished
weeks, which are kept once for every record (features/scorecard/past.py); load_week (week/build.py) reads
it back, or assembles it with `assemble` from an older record's parts (week/record.py).
`with_history` adds the plans the week is compared with (the end of the week before, the plan
STALE_DAYS older): those are other merges' snapshots, read when a renderer needs them.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace

from ..check.model import Submission
from ..config import Workspace
from ..features.control.moves import Control
from ..features.control.requests import ChangeRequest
from ..features.coordinator.notices import of_days as layer_notices
from ..features.coordinator.week import escalation_rows, escalations_of, master_edits
from ..features.scorecard import past as scorepast
from ..features.scorecard.model import STALE_DAYS, Scorecard
from ..plan.diff import PlanDiff
from ..plan.lateness import late_submissions
from ..plan.model import MasterPlan
from ..store.lateness import judgements
from ..store.records import SubmissionRecord
from ..store.snapshots import Snapshot
from ..store.state import StateDB, submitted_departments
from ..workdays import as_date, week_of
from . import codec, parts as weekparts, stored as weekrecord
from .record import RecordParts
from .state import Milestone, PlanVersion, Task, WeekState
from .stored import JSONObject
from .tasks import (
    Standings,
    department_weeks,
    plan_conflicts,
    plan_items,
    plan_problems,
    rows_of,
    standings_of,
    tasks_of,
)

Score = Callable[[dt.date], Scorecard | None]  # the scorecard as of a day


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


def _milestones(rows: Iterable[Mapping[str, object]]) -> tuple[Milestone, ...]:
    return tuple(Milestone(str(r.get("milestone") or ""), as_date(r.get("planned_date")),
                           str(r.get("owner_department") or ""), str(r.get("department") or "")) for r in rows)


def assemble(ws: Workspace, db: StateDB, day: dt.date, current: Snapshot, parts: RecordParts,
             score: Score | None = None, tasks: tuple[Task, ...] | None = None,
             standing: Standings | None = None) -> WeekState:
    """The week holding `day` from the merge of `current` and its record's parts, without the plans it
    is compared with (`with_history`). What was received and submitted is taken as of the merge's day
    when that merge is in the week (as the master it wrote), else as of `day`; the state's `as_of`
    stays `day`, the brief's clock. `tasks`: current's as Tasks, when the caller made them; `standing`:
    what the departments' standing reads of them, when the caller leaves them out (the merge)."""
    first = ws.project.week_start
    week = week_of(day, first)
    as_of = current.as_of if week_of(current.as_of, first) == week else day
    records = db.versions_of(d.code for d in ws.departments)
    versions = plan_versions(ws, db, as_of, records)
    done = submitted(ws, as_of, db)
    quiet = not versions and not done and current.as_of < week.start  # no update, no merge this week
    previous = current.as_of if quiet else db.snapshot_day_before(week_of(current.as_of, first).start)
    tasks = tasks if tasks is not None else tasks_of(current.tasks, parts.control) or ()
    subs = _journal_rows(db, week.start) + list(parts.sidecars)
    return WeekState(
        project_code=ws.project.code, week=week, as_of=day, data_date=current.as_of, tasks=tasks,
        departments=department_weeks(ws, tasks if standing is None else standing, subs, week, as_of, done,
                                     _current_versions(ws, records, as_of)),
        previous_date=previous, milestones=_milestones(parts.milestones), critical_path=parts.critical_path,
        projected_end=parts.projected_end, baseline_end=parts.control.baseline_end, versions=versions,
        changes=parts.changes, moves=parts.control.moves, scorecard=score(as_of) if score else None,
        risks=parts.risks, actions=parts.actions, problems=parts.problems, raci_conflicts=parts.raci_conflicts,
        late_submissions=tuple(late_submissions(ws, db.received_from(week.start - dt.timedelta(days=2)), week.start, as_of,
                                                judgements(db))),
        escalations=escalations_of(parts.escalations), master_edits=tuple(master_edits(db, week.start, as_of)),
        master_notices=tuple(layer_notices(db, week.start, as_of)),
        quiet=quiet, older_date=db.snapshot_day_before(current.as_of - dt.timedelta(days=STALE_DAYS), inclusive=True),
        control=parts.control)


def _journal_rows(db: StateDB, start: dt.date) -> list[dict[str, object]]:
    """The submission rows department_weeks reads: the week's (from two days before its start, for
    time zones) whole, and of the earlier ones only when each accepted file came (its newest is the
    department's last file): a late week reads what an early one does."""
    edge = start - dt.timedelta(days=2)
    older = [{"department": d, "result": "accepted", "received": r} for d, r in db.accepted_times(edge)]
    return older + [{**vars(s), "received": s.received.isoformat()} for s in db.received_from(edge)]


def merge_parts(ws: Workspace, db: StateDB, plan: MasterPlan, submissions: list[Submission], changes: list[ChangeRequest],
                control: Control) -> RecordParts:
    """The record's parts from what the merge computed: nothing is read again."""
    return RecordParts(
        risks=plan_items(plan.issues), actions=plan_items(plan.actions), problems=plan_problems(plan.problems),
        raci_conflicts=plan_conflicts(plan.raci_conflicts),
        changes=tuple(changes), control=weekparts.kept_control(control), projected_end=plan.end_date,
        sidecars=tuple(weekparts.sidecar_rows(ws, db)),
        milestones=tuple(weekparts.milestone_rows(s for s in submissions if s.valid)),
        escalations=tuple(escalation_rows(db, weekparts.row_departments(plan.tasks, changes))),
        critical_path=tuple(t.task_id for t in plan.critical_path), complete=True)


def merge_week(ws: Workspace, db: StateDB, snapshot_id: int, as_of: dt.date, columns: Sequence[Sequence[object]],
               parts: RecordParts, scorecard: Scorecard | None) -> Callable[[], WeekState]:
    """The merge's week, stored whole as the record of the merge `snapshot_id` (without the task rows:
    they are the snapshot's, `columns` as read back: snapshots.encoded_columns), and returned without
    the plans it is compared with, its Tasks made from the columns when it is asked for (a merge whose
    week nobody renders makes none)."""
    current = Snapshot(as_of, ())  # its tasks made from the columns, not from a SnapshotTask each
    state = assemble(ws, db, as_of, current, parts, lambda _: scorecard, tasks=(), standing=standings_of(columns))
    recent, past = scorepast.split(db, scorecard) if scorecard is not None else (None, None)
    weekrecord.save_state(db, snapshot_id, current.as_of, codec.encode(replace(state, tasks=(), scorecard=recent)),
                          parts.sidecars, journal_mark(ws, db, current.as_of),
                          {"head": past.head, "weeks": past.weeks} if past is not None else None)
    return lambda: replace(state, tasks=rows_of(columns, parts.control))


def journal_mark(ws: Workspace, db: StateDB, day: dt.date) -> int:
    """How many files the journal holds received up to the end of `day` (local time): a stored week's
    scorecard counts while this is what it was at the merge."""
    edge = day - dt.timedelta(days=2)  # rows stored as received before: before `day` in any zone
    return db.count_received_before(edge) + sum(1 for s in db.received_from(edge) if ws.local(s.received).date() <= day)


def stored_week(body: JSONObject, db: StateDB) -> WeekState:
    """A version-2 record's week (week/stored.py: read), without its tasks (the snapshot's), its
    scorecard with its finished weeks put back from where the merge kept them (a record of the release
    before holds them itself). Those weeks not all found (a database edited by hand): no scorecard."""
    state = codec.decode_week(body["state"])
    past = body.get("score_past")
    if isinstance(past, dict) and state.scorecard is not None:
        head, weeks = past.get("head"), past.get("weeks")
        whole = (scorepast.join(db, state.scorecard, scorepast.Past(head, weeks))
                 if isinstance(head, str) and isinstance(weeks, int) else None)
        return replace(state, scorecard=whole)
    return state


def with_history(db: StateDB, state: WeekState) -> WeekState:
    """The week with the plans it is compared with, each task with the baseline its merge knew."""
    def plan_of(day: dt.date | None) -> tuple[Task, ...] | None:
        if day is None:
            return None
        if day == state.data_date:
            return state.tasks
        snapshot = db.latest_snapshot_before(day, inclusive=True)
        return tasks_of(snapshot.tasks, control_on(db, day)) if snapshot is not None else None

    previous, older = plan_of(state.previous_date), plan_of(state.older_date)
    return replace(state, previous_tasks=previous, previous_date=state.previous_date if previous is not None else None,
                   older_tasks=older, older_date=state.older_date if older is not None else None)


def control_on(db: StateDB, day: dt.date) -> Control | None:
    """The plan control the record of the day's merge holds (None: a record without it)."""
    found = weekrecord.read(db, day)
    if isinstance(found, dict):
        state = found.get("state")
        control = codec.decode(state.get("control") if isinstance(state, dict) else None)
        return control if isinstance(control, Control) else None
    recorded = weekparts.recorded_control(found)
    return recorded[0] if recorded is not None else None
