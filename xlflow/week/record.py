"""The week's record as load_week reads it: the parts a merge stored beside its task snapshot
(week/stored.py, week/parts.py) — and, for a record made by an older xlflow that lacks a
part, that part recomputed here, in this one place, from the current state (today's accepted
workbooks through the parse cache, today's change register, the baselines now, the coordinator's
layer as read back by the record's day).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..check.cache import SubmissionCache
from ..check.model import Submission
from ..config import Workspace
from ..features.control.baselines import Baselines
from ..features.control.moves import Control
from ..features.control.register import change_register
from ..features.control.requests import ChangeRequest
from ..features.control.week import plan_control, snapshot_dates
from ..features.coordinator.week import escalation_rows
from ..plan.raci import RaciConflict
from ..spec.catalog import load_catalog
from ..store.snapshots import Snapshot
from ..store.state import StateDB
from . import parts as weekparts, stored as weekrecord
from .state import Item, LinkProblem
from .stored import Row
from .tasks import conflicts_of, items_of, problems_of


@dataclass(frozen=True)
class RecordParts:
    """Every part of a week's record, none missing."""

    risks: tuple[Item, ...]
    actions: tuple[Item, ...]
    problems: tuple[LinkProblem, ...]
    raci_conflicts: tuple[RaciConflict, ...]
    changes: tuple[ChangeRequest, ...]
    control: Control
    projected_end: dt.date | None
    sidecars: tuple[Row, ...]  # accepted submissions known only by their sidecars
    milestones: tuple[Row, ...]
    escalations: tuple[Row, ...]  # rows marked Escalate in the master: department, task_id, comment
    critical_path: tuple[str, ...]  # task IDs; () for a record older than that (not recomputed)
    complete: bool  # False: some part was recomputed from the current state


def current_workbooks(ws: Workspace) -> list[Submission]:
    """The departments' current accepted workbooks, parsed (from the merge's parse cache)."""
    cache = SubmissionCache(ws, load_catalog())
    out = []
    for d in ws.departments:
        path = ws.folder("accepted") / f"{d.code}.xlsx"
        if path.is_file():
            out.append(cache.load(path, ws))
    return out


def open_issues(ws: Workspace, subs: list[Submission] | None = None) -> list[Row]:
    """Issue-log rows of the departments' current accepted workbooks, each with its department."""
    rows: list[Row] = []
    for sub in current_workbooks(ws) if subs is None else subs:
        if sub.data is not None:
            rows += [{**r.values, "department": sub.department or ""} for r in sub.data.rows("issues", "log")]
    return rows


def read_parts(ws: Workspace, db: StateDB, snapshot: Snapshot,
               record: weekrecord.WeekRecord | None | bool = False) -> RecordParts:
    """The version-1 record of the snapshot's merge (`record`, when the caller read it), every missing
    part recomputed (the one fallback)."""
    if record is False:
        record = weekrecord.load(db, snapshot.as_of)
    assert not isinstance(record, bool)
    changes = weekparts.recorded_changes(record)
    control = weekparts.recorded_control(record)
    sidecars = weekparts.recorded_sidecars(record)
    milestones = weekparts.recorded_rows(record, weekparts.MILESTONES)
    escalated = weekparts.recorded_rows(record, weekparts.ESCALATIONS)
    subs = None
    if record is None or milestones is None:
        subs = current_workbooks(ws)
    if control is None:
        tasks = snapshot_dates(snapshot.tasks)
        found = plan_control(ws, db, tasks, {t.department for t in tasks})
        end = Baselines(db).end_on(snapshot.as_of)
        control = (found, end.projected_end if end else None)
    if changes is None:
        changes = change_register(ws, db)
    if escalated is None:
        escalated = escalation_rows(db, weekparts.row_departments(snapshot.tasks, changes), snapshot.as_of)
    complete = (record is not None and weekparts.CONTROL in record.extra
                and not {weekparts.CHANGES, weekparts.SIDECARS, weekparts.MILESTONES, weekparts.ESCALATIONS, weekparts.CRITICAL}
                - set(record.extra))
    return RecordParts(
        risks=items_of(record.risks if record is not None else open_issues(ws, subs)),
        actions=items_of(record.actions) if record else (), problems=problems_of(record.problems) if record else (),
        raci_conflicts=conflicts_of(record.raci_conflicts) if record else (),
        changes=tuple(changes), control=control[0],
        projected_end=control[1],
        sidecars=tuple(weekparts.sidecar_rows(ws, db) if sidecars is None else sidecars),
        milestones=tuple(weekparts.milestone_rows(subs or ()) if milestones is None else milestones),
        escalations=tuple(escalated), critical_path=weekparts.recorded_path(record),
        complete=complete)
