"""load_week: the week holding a day, as the newest merge up to that day recorded it — from the
merge's whole WeekState (week/stored.py, version 2), or, for a record made by an older xlflow, from
its parts (an old record's missing parts recomputed in record.py) — with the plans it is compared
with. Every output of the week renders this value; none reassembles the week itself.

What the submissions journal says (versions received, who submitted, late files, cells edited in
the master) is read again on loading: the intake records a file after merging it, and a later day
of the week counts its own. The stored scorecard is used while the journal up to the merge's day
is what the merge saw (else it is computed again, as for an older record or a later week).
"""
from __future__ import annotations

import datetime as dt

from ..config import Workspace
from ..errors import DatabaseUnreadable, XlflowError
from ..features.scorecard.week import make_scorecard
from ..store.state import StateDB
from ..workdays import week_of
from . import stored as weekrecord
from .pipeline import assemble, journal_mark, plan_versions, stored_week, submitted, with_history
from .record import RecordParts, read_parts
from .state import WeekState
from .stored import Row
from .tasks import item_row

__all__ = ["load_week", "plan_versions", "submitted"]


def load_week(ws: Workspace, as_of: dt.date, db: StateDB | None = None, scorecard: bool = True) -> WeekState:
    """The week holding `as_of`, as the newest merge up to that day recorded it. What the merge recorded
    (versions, submissions, the scorecard) is taken as of the merge's day when that merge is in the
    week (as the master it wrote), else as of `as_of`; the state's own `as_of` stays the day asked for,
    so a brief counts "due today", "overdue" and "stale" on its own day (`data_date` says how old
    the data is). Loading it again after later merges, decisions or re-baselines gives the same value.
    `scorecard=False` leaves the scorecard out. No merge up to `as_of`: XlflowError "summary-no-snapshot"."""
    db = db or StateDB(ws.state_db)
    current = db.latest_snapshot_before(as_of, inclusive=True)
    if current is None:
        damaged = db.damaged_snapshot_before(as_of, inclusive=True)
        if damaged is not None:
            raise DatabaseUnreadable("summary-snapshot-damaged", day=damaged.isoformat(), path=str(db.path))
        raise XlflowError("summary-no-snapshot", date=as_of.isoformat())
    week = week_of(as_of, ws.project.week_start)
    record = weekrecord.read(db, current.as_of)
    if isinstance(record, dict):
        state = stored_week(record, db)
        parts = _parts_of(state, weekrecord.rows_of(record.get("sidecars")))
        lost = state.scorecard is None and "score_past" in record  # its finished weeks not found: computed again
        if scorecard and not lost and state.week == week and record.get("journal") == journal_mark(ws, db, state.data_date):
            return with_history(db, assemble(ws, db, as_of, current, parts, lambda _: state.scorecard))
    else:
        parts = read_parts(ws, db, current, record)
    score = (lambda day: make_scorecard(ws, day, db)) if scorecard else None
    return with_history(db, assemble(ws, db, as_of, current, parts, score))


def _parts_of(state: WeekState, sidecars: tuple[Row, ...]) -> RecordParts:
    """A stored week's parts, to assemble a later week on the same plan."""
    return RecordParts(
        risks=tuple(item_row(i) for i in state.risks), actions=tuple(item_row(i) for i in state.actions),
        problems=tuple({"kind": p.kind, "department": p.department, "task_id": p.task_id,
                        "other_department": p.other_department, "other_task_id": p.other_task_id,
                        "detail": dict(p.detail)} for p in state.problems),
        raci_conflicts=tuple({"kind": c.kind, "item": c.item, "departments": list(c.departments),
                              "sources": list(c.sources)} for c in state.raci_conflicts),
        changes=state.changes, control=state.control, projected_end=state.projected_end,  # type: ignore[arg-type]  # a stored week has its control
        sidecars=sidecars, milestones=tuple({"milestone": m.name, "planned_date": m.planned,
                                       "owner_department": m.owner_department, "department": m.source}
                                      for m in state.milestones),
        escalations=tuple({"department": e.department, "task_id": e.task_id, "comment": e.comment}
                          for e in state.escalations), critical_path=state.critical_path, complete=True)
