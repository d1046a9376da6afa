"""The coordinator's layer as the week sees it: the department cells found changed in the master by
hand (kept by store/layer.py at each merge), and the rows the coordinator marked "Escalate" in the
master's WBS, Delays and Changes sheets, with the comment typed beside them — each as it stood on a day.
"""
from __future__ import annotations

import datetime as dt

from ..spec.catalog import load_catalog
from ..store.layer import CoordinatorLayer, MasterEdit
from ..store.state import StateDB
from .state import Escalation, Task

ESCALATE_SHEETS = ("wbs", "delays", "changes")  # the master sheets with an "escalate" column (master.toml)


def master_edits(db: StateDB, since: dt.date | None = None, until: dt.date | None = None) -> list[MasterEdit]:
    """The department cells found changed in the master by merges as of since..until, each once."""
    found = CoordinatorLayer(db).edits(since, until)
    latest = {(e.task_id, e.field, e.master_value): e for e in found}  # found again while the master stayed open
    return [e for e in found if latest[(e.task_id, e.field, e.master_value)] is e]


def _as_of(db: StateDB, sheet: str, day: dt.date) -> dict[str, dict[str, str]]:
    """row key -> column -> its value as last read back on or before `day` (emptied cells left out)."""
    out: dict[str, dict[str, str]] = {}
    for v in CoordinatorLayer(db).history(sheet):  # oldest first
        if v.recorded[:10] <= day.isoformat():
            out.setdefault(v.row_key, {})[v.column] = v.value
    return out


def escalations(db: StateDB, day: dt.date, tasks: tuple[Task, ...], changes: tuple = ()) -> tuple[Escalation, ...]:
    """The rows marked Escalate = yes in the master, as read back by the day `day`: tasks by ID, change
    requests by change ID (the department that asked). The marker is read in either language."""
    yes_no = load_catalog().enums["yes_no"]
    departments = {t.task_id: t.department for t in tasks}
    departments.update({c.change_id: c.department for c in changes})
    out, seen = [], set()
    for sheet in ESCALATE_SHEETS:
        for key, cols in _as_of(db, sheet, day).items():
            if key in seen or (yes_no.lookup(cols.get("escalate", "")) or "") != "yes":
                continue
            seen.add(key)
            out.append(Escalation(departments.get(key, key.split("-", 1)[0]), key, cols.get("comment", "")))
    return tuple(out)
