"""Change control in the master: the baseline columns of the Master WBS (baseline start and due, the
slip in working days) and the Plan changes sheet, every move against the baseline classified as
approved, pending or unapproved (features/control/moves.py), unapproved first.
"""
from __future__ import annotations

from operator import attrgetter

from ...output.master.core import HEADER_ROW, MasterWriter, column
from ...xlsx.fastsheet import Col, Lookup, as_date, as_text
from .baselines import Baseline
from .moves import ADDED, APPROVED, PENDING, REMOVED, UNAPPROVED, Control, DatesLike, Move

COLOURS = {UNAPPROVED: "#FFC7CE", PENDING: "#FFEB9C", APPROVED: "#C6EFCE"}


def _control(w: MasterWriter) -> Control:
    return w.control or Control()


def baseline_cols(w: MasterWriter) -> list[Col]:
    """Master WBS columns: the task's current baseline and its due date's slip against it, each looked up
    by task ID in a table made once per column (not a lookup and a call per cell)."""
    c = _control(w)
    bases = c.baselines.items()
    first = w.t("master-baseline-first")
    task_id = attrgetter("task_id")
    return [Col(w.t("master-col-baseline-start"), 12, Lookup({k: b.start for k, b in bases if b}, task_id),
                show=as_date, key="baseline_start"),
            Col(w.t("master-col-baseline-due"), 12, Lookup({k: b.due for k, b in bases if b}, task_id),
                show=as_date, key="baseline_due"),
            Col(w.t("master-col-slip"), 11, Lookup(c.slips, task_id), "int", key="slip_days"),
            Col(w.t("master-col-baseline-reason"), 14,
                Lookup({k: _reason(b, first) for k, b in bases if b is not None}, task_id), key="baseline_reason")]


def _reason(base: DatesLike, first: str) -> str:
    """Where a baseline comes from: the change request's ID, else `first` ("as first accepted")."""
    return base.reason if isinstance(base, Baseline) and base.from_change else first


def move_cols(w: MasterWriter) -> list[Col]:
    names = {d.code: d.name(w.lang) for d in w.ws.departments}
    return [
        Col(w.t("master-col-department"), 10, lambda m: m.department, key="department"),
        Col(w.t("master-col-department-name"), 14, lambda m: names.get(m.department, m.department),
            key="department_name"),
        Col(w.t("master-col-task"), 11, lambda m: m.task_id, show=as_text, key="task_id"),
        Col(w.t("master-col-change"), 12, lambda m: w.t(f"control-kind-{m.kind}"), key="kind"),
        Col(w.t("master-col-baseline"), 12, lambda m: m.old, show=as_date, key="old"),
        Col(w.t("master-col-now"), 12, lambda m: m.new, show=as_date, key="new"),
        Col(w.t("master-col-slip"), 11, lambda m: m.days, "int", key="days"),
        Col(w.t("master-col-control"), 12, lambda m: w.t(f"control-status-{m.status}"), key="status"),
        Col(w.t("master-col-change-requests"), 16, lambda m: ", ".join(m.change_ids) or None, show=as_text,
            key="change_ids"),
        Col(w.t("master-col-pushes"), 30, lambda m: pushes_text(w, m), show=as_text, key="pushes"),
    ]


def pushes_text(w: MasterWriter, m: Move) -> str | None:
    return ", ".join(w.t("master-pushed", task=p.task_id, department=p.department, start=p.start.isoformat())
                     for p in m.pushes) or None


def write(w: MasterWriter) -> None:
    sheet = w.sheet("plan_changes")
    c = _control(w)
    counts = {s: len(c.of(s)) for s in (UNAPPROVED, PENDING, APPROVED)}
    w.heading(sheet, w.t("master-sheet-plan_changes"), w.t("master-plan-changes-subtitle", **counts,
                                                                added=sum(m.kind == ADDED for m in c.moves),
                                                                removed=sum(m.kind == REMOVED for m in c.moves),
                                                                slipped=c.slipped, as_of=w.plan.as_of.isoformat()))
    cols = move_cols(w)
    last = w.table(sheet, HEADER_ROW, cols, list(c.moves), freeze=(HEADER_ROW + 1, 3))
    status = column(cols, "status")
    w.colour_values(sheet, HEADER_ROW + 1, last, status,
                    {w.t(f"control-status-{s}"): colour for s, colour in COLOURS.items()})
