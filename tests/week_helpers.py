"""A workspace's week record as the release before version 2 wrote it: `as_version_1` rewrites the
record a merge stored (the whole WeekState) into that release's parts, for the migration tests."""
from __future__ import annotations

import datetime as dt

from xlflow.store.state import StateDB
from xlflow.week import parts as weekparts, pipeline, stored as weekrecord
from xlflow.week.tasks import item_row


def as_version_1(ws, db: StateDB, day: dt.date) -> None:
    """Rewrite the day's version-2 record as the previous release stored it: its lists, and its parts
    under `extra` (what service/merge.py's _week_parts wrote)."""
    body = weekrecord.read(db, day)
    assert isinstance(body, dict), "the day's record is not a version-2 one"
    state = pipeline.stored_week(body, db)
    with db.transaction() as con:
        snapshot_id = con.execute("SELECT snapshot_id FROM week_records WHERE as_of=?", (day.isoformat(),)).fetchone()[0]
    extra = {weekparts.CHANGES: weekparts.changes_rows(state.changes),
             weekparts.SIDECARS: list(body["sidecars"]),
             weekparts.MILESTONES: [{"milestone": m.name, "planned_date": m.planned, "owner_department": m.owner_department,
                                     "department": m.source} for m in state.milestones],
             weekparts.ESCALATIONS: [{"department": e.department, "task_id": e.task_id, "comment": e.comment}
                                     for e in state.escalations],
             weekparts.CRITICAL: list(state.critical_path),
             weekparts.CONTROL: weekparts.control_row(state.control, state.projected_end)}
    problems = tuple({"kind": p.kind, "department": p.department, "task_id": p.task_id,
                      "other_department": p.other_department, "other_task_id": p.other_task_id,
                      "detail": dict(p.detail)} for p in state.problems)
    conflicts = tuple({"kind": c.kind, "item": c.item, "departments": list(c.departments), "sources": list(c.sources)}
                      for c in state.raci_conflicts)
    weekrecord.save(db, snapshot_id, weekrecord.WeekRecord(day, tuple(item_row(i) for i in state.risks),
                                                           tuple(item_row(i) for i in state.actions), problems,
                                                           conflicts, extra))
