"""The master WBS: every department's tasks with every WBS field of the spec, then what the merge computes."""
from __future__ import annotations

from operator import attrgetter

from ...features.control.sheet_moves import baseline_cols
from ...features.coordinator.columns import coordinator_cols, mark_coordinator
from ...output.master.core import HEADER_ROW, MasterWriter, column
from ...plan.model import Task
from ...xlsx.fastsheet import Col


def task_cols(w: MasterWriter) -> list[Col]:
    """Every WBS field of the spec (keyed by field key), then the computed columns."""
    wbs = w.catalog.form("wbs").table("tasks").columns(w.ws.department_names())
    cols = [Col(w.t("master-col-department"), 10, attrgetter("department"), key="department")]
    cols += w.field_cols(wbs)
    cols += [
        Col(w.t("master-col-effective-status"), 11, attrgetter("effective_status"), show=w.shows("status"),
            key="effective_status"),
        Col(w.t("master-col-health"), 10, attrgetter("health"), show=w.shows("health"), key="health"),
        Col(w.t("master-col-days-to-due"), 12, attrgetter("days_to_due"), "int", key="days_to_due"),
        Col(w.t("master-col-days-late"), 12, attrgetter("days_late"), "int", key="days_late"),
        *baseline_cols(w),
        Col(w.t("master-col-open-predecessors"), 16, open_predecessors, key="open_predecessors"),
        Col(w.t("master-col-successors-other"), 18, _successors_other, key="successors_other_depts"),
        Col(w.t("master-col-file"), 18, attrgetter("file"), key="file"),
        Col(w.time_header("master-col-received"), 16, attrgetter("received"), show=w.when, key="received"),
    ]
    return cols


def open_predecessors(task: Task) -> str | None:
    """The IDs of the task's predecessors not done yet ("A-1, B-2"); None for none (most tasks have no links).
    (Task.open_predecessors and Task.done, written out: one comprehension per task, not a call per link.)"""
    if not task.predecessors:
        return None
    return ", ".join([p.task_id for p in task.predecessors if p.effective_status != "done"]) or None


def _successors_other(task: Task) -> str | None:
    """The IDs of the task's successors in other departments (Task.successors_other_depts); None for none."""
    if not task.successors:
        return None
    department = task.department
    return ", ".join([s.task_id for s in task.successors if s.department != department]) or None


def write(w: MasterWriter) -> None:
    sheet = w.sheet("wbs")
    w.heading(sheet, w.t("master-sheet-wbs"), w.subtitle())
    cols = task_cols(w) + coordinator_cols(w, "wbs", attrgetter("task_id"))
    last = w.table(sheet, HEADER_ROW, cols, w.plan.tasks, freeze=(HEADER_ROW + 1, 3))
    first = HEADER_ROW + 1
    for key, enum in (("status", "status"), ("effective_status", "status"), ("health", "health"),
                      ("priority", "priority")):
        w.colour_by(sheet, first, last, column(cols, key), enum)
    status = column(cols, "status")
    w.check(sheet.data_validation(first, status, last, status, {
        "validate": "list", "source": w.status.labels(w.lang), "error_type": "warning"}), "validation")
    mark_coordinator(w, sheet, cols, first, last)
