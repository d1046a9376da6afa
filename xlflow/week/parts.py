"""The week record's parts that the brief would otherwise read from the current state:
the change register as the merge saw it (each request with its status and decision then), the plan
against its baselines (the classified moves, the slipped tasks, the baseline and projected ends), and
the accepted workbooks known only by their sidecars. A brief built again after later decisions,
re-baselines or hand-placed files shows what it showed that week.

Each part is stored under its name in WeekRecord.extra as plain rows (text, numbers, ISO dates) and read
back into the values the brief builds from; a part that is absent (a record written by an older
xlflow, or a merge of given files that computed no plan control) reads as None: the caller then falls
back to the current state.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from ..check.model import Submission
from ..config import Workspace
from ..features.control.moves import Control, Move, Pushed
from ..features.control.requests import ChangeRequest
from ..store.accepted import read_accepted
from ..workdays import as_date

if TYPE_CHECKING:
    from ..store.state import StateDB
    from .stored import WeekRecord

CHANGES, CONTROL, SIDECARS, MILESTONES = "changes", "control", "sidecars", "milestones"  # the keys in WeekRecord.extra
ESCALATIONS, CRITICAL = "escalations", "critical_path"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


# --- the change register ------------------------------------------------------------------------

def changes_rows(requests: Iterable[ChangeRequest]) -> list[dict[str, Any]]:
    """The register's requests, with their decisions, as plain rows (in the register's order)."""
    return [{"change_id": r.change_id, "department": r.department, "date": _iso(r.date),
             "change_type": r.change_type, "content": r.content, "reason": r.reason, "impact": r.impact,
             "tasks": list(r.tasks), "proposed": {t: [_iso(s), _iso(d)] for t, (s, d) in r.proposed.items()},
             "status": r.status, "decided_by": r.decided_by, "decided_on": _iso(r.decided_on),
             "decided_in": r.decided_in, "lead_assessment": r.lead_assessment, "comment": r.comment,
             **({"row_key": r.row_key} if r.row_key else {}),
             **({"checks": [[k, dict(p)] for k, p in r.checks]} if r.checks else {})}
            for r in requests]


def recorded_changes(record: WeekRecord | None) -> list[ChangeRequest] | None:
    """The change register as the record's merge saw it, or None when the record has none."""
    # the rows changes_rows wrote, read back as JSON
    rows = cast("list[dict[str, Any]] | None", record.extra.get(CHANGES) if record is not None else None)
    if rows is None:
        return None
    return [ChangeRequest(
        change_id=r["change_id"], department=r["department"], date=as_date(r.get("date")),
        change_type=r.get("change_type", ""), content=r.get("content", ""), reason=r.get("reason", ""),
        impact=r.get("impact", ""), tasks=tuple(r.get("tasks", ())),
        proposed={t: (as_date(s), as_date(d)) for t, (s, d) in (r.get("proposed") or {}).items()},
        status=r.get("status", "pending"), decided_by=r.get("decided_by", ""),
        decided_on=as_date(r.get("decided_on")), decided_in=r.get("decided_in", ""),
        lead_assessment=r.get("lead_assessment", ""), comment=r.get("comment", ""), row_key=r.get("row_key", ""),
        checks=tuple((k, tuple(sorted(p.items()))) for k, p in r.get("checks", ()))) for r in rows]


# --- the plan against its baselines -------------------------------------------------------------

@dataclass(frozen=True)
class BaselineDates:
    """A task's baseline in force at the merge, as the record keeps it (a record older than that has none)."""

    start: dt.date | None
    due: dt.date | None


def control_row(control: Control, projected_end: dt.date | None) -> dict[str, Any]:
    """What the brief's plan-against-baseline section reads of the merge's Control: every move (with
    the other departments' tasks it pushes), the tasks due later than their baseline, the two ends."""
    moves = [{"task_id": m.task_id, "department": m.department, "kind": m.kind, "old": _iso(m.old),
              "new": _iso(m.new), "days": m.days, "status": m.status, "change_ids": list(m.change_ids),
              "pushes": [[p.task_id, p.department, _iso(p.start)] for p in m.pushes]} for m in control.moves]
    bases = {t: [_iso(getattr(b, "start", None)), _iso(getattr(b, "due", None))] for t, b in control.baselines.items()}
    return {"moves": moves, "slips": {t: d for t, d in control.slips.items() if d > 0}, "baselines": bases,
            "baseline_end": _iso(control.baseline_end), "projected_end": _iso(projected_end)}


def kept_control(control: Control) -> Control:
    """The control as a record keeps it (what control_row writes and recorded_control reads)."""
    bases = {t: BaselineDates(getattr(b, "start", None), getattr(b, "due", None)) for t, b in control.baselines.items()}
    return Control(bases, {t: d for t, d in control.slips.items() if d > 0}, tuple(control.moves), control.baseline_end)


def recorded_control(record: WeekRecord | None) -> tuple[Control, dt.date | None] | None:
    """(the plan control, the projected end) as the record's merge computed them, or None."""
    # the row control_row wrote, read back as JSON
    row = cast("Mapping[str, Any] | None", record.extra.get(CONTROL) if record is not None else None)
    if row is None:
        return None
    moves = tuple(Move(m["task_id"], m["department"], m["kind"], as_date(m.get("old")), as_date(m.get("new")),
                       m.get("days"), m["status"], tuple(m.get("change_ids", ())),
                       tuple(Pushed(t, d, day) for t, d, s in m.get("pushes", ()) if (day := as_date(s))))
                  for m in row.get("moves", ()))
    bases = {t: BaselineDates(as_date(s), as_date(d)) for t, (s, d) in (row.get("baselines") or {}).items()}
    control = Control(bases, dict(row.get("slips", {})), moves, as_date(row.get("baseline_end")))
    return control, as_date(row.get("projected_end"))


# --- the escalated rows' departments ------------------------------------------------------------

class _Row(Protocol):
    @property
    def task_id(self) -> str: ...
    @property
    def department(self) -> str: ...


def row_departments(tasks: Sequence[_Row], changes: Sequence[ChangeRequest]
                    ) -> Callable[[AbstractSet[str]], dict[str, str]]:
    """What escalation_rows asks: the departments of the row keys it found, tasks by ID and change
    requests by change ID (a request over a task of its ID), looked up for those keys only."""
    def of(keys: AbstractSet[str]) -> dict[str, str]:
        return ({t.task_id: t.department for t in tasks if t.task_id in keys}
                | {c.change_id: c.department for c in changes if c.change_id in keys})
    return of


# --- the kick-off workbooks' milestones -------------------------------------------------------------

def milestone_rows(subs: Iterable[Submission]) -> list[dict[str, Any]]:
    """The milestones table of every parsed kick-off workbook among `subs`, each row with its department."""
    rows = []
    for sub in subs:
        data = getattr(sub, "data", None)  # (a parsed submission has it)
        if data is not None and "kickoff" in data.forms:
            rows += [{**r.values, "department": sub.department or ""} for r in data.rows("kickoff", "milestones")]
    return rows


def recorded_rows(record: WeekRecord | None, key: str) -> list[dict[str, Any]] | None:
    """A part of plain rows (MILESTONES, ESCALATIONS), or None when the record has none."""
    rows = record.extra.get(key) if record is not None else None
    return None if rows is None else [dict(r) for r in _rows(rows)]


# --- submissions known only by their sidecars -----------------------------------------------------

def sidecar_rows(ws: Workspace, db: StateDB) -> list[dict[str, Any]]:
    """An accepted submission row for each department whose accepted/ workbook the database does not
    know (put there by hand or restored from a backup), as the brief lists submissions."""
    known = db.submitting_departments(restored=True)
    return [{"department": a.department, "file_name": a.file_name or "", "received": a.received.isoformat(),
             "result": "accepted"} for a in read_accepted(ws, but=known) if a.received]


def recorded_sidecars(record: WeekRecord | None) -> list[dict[str, Any]] | None:
    """The submission rows the merge added for accepted workbooks the database did not know, or None."""
    rows = record.extra.get(SIDECARS) if record is not None else None
    return None if rows is None else [dict(r) for r in _rows(rows)]


def _rows(part: object) -> list[Mapping[str, object]]:
    """A part stored as a list of rows (sidecar_rows, milestone_rows, escalation rows), read back as JSON."""
    return cast("list[Mapping[str, object]]", part)  # the plain rows its writer stored


def recorded_path(record: WeekRecord | None) -> tuple[str, ...]:
    """The critical path's task IDs the record's merge found (none: a record older than that part)."""
    ids = record.extra.get(CRITICAL) if record is not None else None
    return tuple(cast("list[str]", ids)) if ids else ()  # the task IDs the merge stored
