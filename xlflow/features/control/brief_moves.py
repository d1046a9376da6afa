"""The brief's "plan against the baseline": the projected end against the baseline end, how many tasks
slipped, and every change against the baseline — unapproved, pending (decisions needed), approved —
with the other departments' tasks a later due date pushes. Pure: the classified moves (features/control/moves.py)
and the ends the merge recorded come in as values; every text comes out in the brief's language.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ...config import Workspace
from ...i18n import msg
from ...output.brief.limits import SECTION_LIMIT
from ...workdays import WorkCalendar, day_text
from .moves import APPROVED, PENDING, UNAPPROVED, Control, Move


@dataclass(frozen=True)
class ControlLine:
    """One change against the baseline, worded: "RD-001 due 2026-12-04 → 2026-12-11 (+5 working days)"."""

    task_id: str
    department_name: str
    status: str  # approved | pending | unapproved
    status_label: str
    text: str
    change_ids: str  # "RD-C01, RD-C02" or ""
    pushes: tuple[str, ...]  # "MK-001 (Marketing, starts 2026-12-07)"


@dataclass(frozen=True)
class BriefControl:
    projected_end: dt.date | None
    baseline_end: dt.date | None
    end_slip: int | None  # working days the projected end is after the baseline end (+ later)
    slipped: int  # tasks due later than their baseline
    unapproved: tuple[ControlLine, ...]
    pending: tuple[ControlLine, ...]
    approved: tuple[ControlLine, ...]
    pushes: tuple[ControlLine, ...]  # the moves that push another department's task
    more: int = 0  # lines left out of the e-mail (see the master's Plan changes sheet)

    @property
    def empty(self) -> bool:
        return not (self.unapproved or self.pending or self.approved or self.more)


def brief_control(ws: Workspace, control: Control, projected_end: dt.date | None, lang: str,
                  calendar: WorkCalendar, limit: int = SECTION_LIMIT) -> BriefControl:
    """The brief's section from the plan's classified moves and the projected end of the newest merge."""
    names = {d.code: d.name(lang) for d in ws.departments}
    lines = {s: [_line(m, names, lang) for m in control.of(s)] for s in (UNAPPROVED, PENDING, APPROVED)}
    more = sum(max(0, len(v) - limit) for v in lines.values())
    base_end = control.baseline_end
    end_slip = calendar.between(base_end, projected_end) if base_end and projected_end else None
    pushes = tuple(_line(m, names, lang) for m in control.pushes)
    return BriefControl(projected_end, base_end, end_slip, control.slipped, tuple(lines[UNAPPROVED][:limit]),
                        tuple(lines[PENDING][:limit]), tuple(lines[APPROVED][:limit]), pushes, more)


def _line(m: Move, names: dict[str, str], lang: str) -> ControlLine:
    kind = msg(f"control-kind-{m.kind}", lang)
    if m.kind in ("start", "due"):
        text = msg("brief-control-move", lang, task=m.task_id, kind=kind, old=day_text(m.old), new=day_text(m.new),
                   days=f"{m.days:+d}" if m.days is not None else "—")
    else:
        text = msg("brief-control-added-removed", lang, task=m.task_id, kind=kind)
    pushes = tuple(msg("master-pushed", lang, task=p.task_id, department=names.get(p.department, p.department),
                       start=p.start.isoformat()) for p in m.pushes)
    return ControlLine(m.task_id, names.get(m.department, m.department), m.status,
                       msg(f"control-status-{m.status}", lang), text, ", ".join(m.change_ids), pushes)
