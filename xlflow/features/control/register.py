"""The change register: every department's change requests, from the accepted workbooks (through
the parse cache), with the decision that counts (features/control/requests.py says which).

`change_register(ws, db)` is what the merge, the weekly brief and the baselines read.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...check.cache import SubmissionCache
from ...check.model import Submission
from ...config import Workspace
from ...spec.catalog import load_catalog
from ...store.accepted import read_accepted
from ...store.state import StateDB
from ..coordinator.table import CoordinatorLayer
from .bindings import bind, revisions
from .checks import check_requests, task_owners
from .requests import (
    ChangeRequest,
    key,
    lead_decisions,
    master_decisions,
    per_department,
    register,
    requests_of,
    unknown_decisions,
)

CHANGES_SHEET = "changes"  # the master sheet (and coordinator-layer sheet key) of the change register


def change_register(ws: Workspace, db: StateDB | None = None, submissions: Iterable[Submission] | None = None,
                    master: Mapping[str, Mapping[str, str]] | None = None) -> list[ChangeRequest]:
    """Every department's change requests in the configuration's order, each with its status.

    `submissions` defaults to every department's current accepted workbook; `master` to the
    coordinator's values of the master's Changes sheet (features/coordinator/table.py, row key = change ID)."""
    subs = accepted_submissions(ws) if submissions is None else [s for s in submissions if s.valid]
    order = {d.code: i for i, d in enumerate(ws.departments)}
    subs.sort(key=lambda s: order.get(s.department or "", len(order)))
    lead = next((s for s in subs if s.department == ws.project.lead_department), None)
    values = master if master is not None else coordinator_values(db)
    asked = per_department(req for sub in subs for req in requests_of(sub))
    decided = _decide(db, asked, values, lead, ws.project.lead_department)
    if bind(db, decided, key):  # a new revision was decided: the one it replaces goes
        decided = _decide(db, asked, values, lead, ws.project.lead_department)
    return check_requests(decided, task_owners(subs), ws.project.start)


def _decide(db: StateDB | None, asked: list[ChangeRequest], values: Mapping[str, Mapping[str, str]],
            lead: Submission | None, lead_code: str) -> list[ChangeRequest]:
    return register(revisions(db, asked, key), master_decisions(values), lead_decisions(lead),
                    unknown_decisions(values), lead_code)


def accepted_submissions(ws: Workspace) -> list[Submission]:
    """Every department's current accepted workbook, parsed (from the parse cache when it can)."""
    cache = SubmissionCache(ws, load_catalog())
    found = (cache.load(a.path, ws, a.received) for a in read_accepted(ws) if a.path is not None)
    return [s for s in found if s.valid]


def coordinator_values(db: StateDB | None) -> Mapping[str, Mapping[str, str]]:
    """The coordinator's columns of the master's Changes sheet, as last read back from the master. A
    decision without a date is dated the day xlflow first read it from the master."""
    if db is None:
        return {}
    layer = CoordinatorLayer(db)
    values = layer.values(CHANGES_SHEET)
    read_on: dict[str, tuple[str, str]] = {}  # row key -> (decision, the day it was read)
    for v in layer.history(CHANGES_SHEET):  # oldest first: the day the current decision was read
        if v.column == "decision" and read_on.get(v.row_key, ("", ""))[0] != v.value:
            read_on[v.row_key] = (v.value, v.recorded[:10])
    return {key: {**cols, "decided_on": read_on.get(key, ("", ""))[1]}
            if cols.get("decision") and not cols.get("decided_on") else cols for key, cols in values.items()}
