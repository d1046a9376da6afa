"""The baselines a workspace older than them gets once, from its kept task snapshots: what change
control and the scorecard compare with (features/control/baselines.py keeps them; features/control/commands.py records
them at intake and merge)."""
from __future__ import annotations

import datetime as dt

from ...store.state import StateDB
from .baselines import BACKFILL, Baselines


def backfill(db: StateDB) -> int:
    """A database with no baseline yet but with task snapshots: each task's baseline is the task as
    the oldest kept snapshot shows it. Returns how many tasks were baselined (0: nothing to do)."""
    store = Baselines(db)
    if not store.empty():
        return 0
    count = 0
    for as_of, tasks in db.snapshots_between(dt.date.min, dt.date.max):
        set_at = dt.datetime.combine(as_of, dt.time()).astimezone()
        by_dept: dict[str, dict[str, dict[str, object]]] = {}
        for t in tasks:
            by_dept.setdefault(t.department, {})[t.task_id] = {"start": t.start, "due": t.due, "owner": t.owner}
        for dept, rows in by_dept.items():
            count += len(store.record_first(dept, rows, set_at, reason=BACKFILL))
    return count
