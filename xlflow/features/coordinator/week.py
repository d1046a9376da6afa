"""The coordinator's layer as the week sees it: the department cells found changed in the master by
hand (kept by features/coordinator/table.py at each merge), and the rows the coordinator marked "Escalate" in the
master's WBS, Delays and Changes sheets, with the comment typed beside them — each as it stood on a day.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Set as AbstractSet
from dataclasses import dataclass

from ...spec.catalog import load_catalog
from ...store.state import StateDB
from .table import CoordinatorLayer, MasterEdit

ESCALATE_SHEETS = ("wbs", "delays", "changes")  # the master sheets with an "escalate" column (master.toml)


@dataclass(frozen=True)
class Escalation:
    """A row the coordinator marked for escalation in the master, with the comment typed beside it."""

    department: str
    task_id: str
    comment: str = ""


def master_edits(db: StateDB, since: dt.date | None = None, until: dt.date | None = None) -> list[MasterEdit]:
    """The department cells found changed in the master by merges as of since..until, each once."""
    found = CoordinatorLayer(db).edits(since, until)
    latest = {(e.task_id, e.field, e.master_value): e for e in found}  # found again while the master stayed open
    return [e for e in found if latest[(e.task_id, e.field, e.master_value)] is e]


def _values(db: StateDB, sheet: str, day: dt.date | None) -> dict[str, dict[str, str]]:
    """row key -> column -> its newest value, or (with `day`) its value as last read back on or before it."""
    layer = CoordinatorLayer(db)
    if day is None:
        return layer.values(sheet)
    out: dict[str, dict[str, str]] = {}
    for v in layer.history(sheet):  # oldest first
        if v.recorded[:10] <= day.isoformat():
            out.setdefault(v.row_key, {})[v.column] = v.value
    return out


def escalation_rows(db: StateDB, departments: Callable[[AbstractSet[str]], Mapping[str, str]],
                    day: dt.date | None = None) -> list[dict[str, str]]:
    """The rows marked Escalate = yes in the master (the marker read in either language): tasks by ID,
    change requests by change ID, each with its department (`departments(keys)`: the found rows' keys
    -> code, asked once: week/parts.py row_departments) and the coordinator's comment. The newest values
    (what the merge stores in the week's record), or as read back by `day` (for a record older than that)."""
    yes_no = load_catalog().enums["yes_no"]
    found: dict[str, str] = {}  # row key -> comment, in the sheets' order
    for sheet in ESCALATE_SHEETS:
        for key, cols in _values(db, sheet, day).items():
            if key not in found and (yes_no.lookup(cols.get("escalate", "")) or "") == "yes":
                found[key] = cols.get("comment", "")
    known = departments(found.keys()) if found else {}
    return [{"department": known.get(key, key.split("-", 1)[0]), "task_id": key, "comment": comment}
            for key, comment in found.items()]


def escalations_of(rows: Iterable[Mapping[str, object]]) -> tuple[Escalation, ...]:
    return tuple(Escalation(str(r.get("department") or ""), str(r.get("task_id") or ""), str(r.get("comment") or ""))
                 for r in rows)
