"""Delays & blockers: the open tasks the weekly meeting goes through, the latest first."""
from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ...features.coordinator.columns import coordinator_cols, mark_coordinator
from ...output.master.core import HEADER_ROW, MasterWriter, column
from ...plan.model import Task
from ...xlsx.fastsheet import Col, FieldValue, as_date, as_text
from .wbs import open_predecessors

Show = Callable[[Any], object]


def delay_cols(w: MasterWriter) -> list[Col]:
    st, hl = w.shows("status"), w.shows("health")
    wbs = {f.key: f for f in w.catalog.form("wbs").table("tasks").fields}

    def spec(key: str, width: float, show: Show, get: Show | None = None) -> Col:  # a WBS field, labelled by the spec
        return Col(wbs[key].label(w.lang), width, get or FieldValue(key), key=key, show=show)

    return [Col(w.t("master-col-department"), 10, attrgetter("department"), key="department"),
            spec("task_id", 11, get=attrgetter("task_id"), show=as_text),
            spec("name", 32, show=as_text),
            spec("owner", 10, show=as_text),
            Col(w.t("master-col-effective-status"), 11, attrgetter("effective_status"), show=st,
                key="effective_status"),
            spec("status", 10, get=attrgetter("status"), show=st),
            Col(w.t("master-col-health"), 10, attrgetter("health"), show=hl, key="health"),
            spec("due", 11, get=attrgetter("due"), show=as_date),
            Col(w.t("master-col-days-late"), 9, attrgetter("days_late"), "int", key="days_late"),
            spec("reason", 32, show=as_text),
            Col(w.t("master-col-holds-up"), 28, _holds_up, key="holds_up"),
            Col(w.t("master-col-open-predecessors"), 16, open_predecessors, key="open_predecessors")]


def _holds_up(task: Task) -> str | None:
    """The task's successors in other departments, "B-7 (QA), C-2 (OPS)"; None for none."""
    if not task.successors:
        return None
    return ", ".join([f"{s.task_id} ({s.department})" for s in task.successors_other_depts]) or None


def write(w: MasterWriter) -> None:
    sheet = w.sheet("delays")
    w.heading(sheet, w.t("master-sheet-delays"), w.subtitle())
    cols = delay_cols(w) + coordinator_cols(w, "delays", attrgetter("task_id"))
    last = w.table(sheet, HEADER_ROW, cols, w.plan.delays(), freeze=(HEADER_ROW + 1, 3))
    mark_coordinator(w, sheet, cols, HEADER_ROW + 1, last)
    for key, enum in (("effective_status", "status"), ("status", "status"), ("health", "health")):
        w.colour_by(sheet, HEADER_ROW + 1, last, column(cols, key), enum)
