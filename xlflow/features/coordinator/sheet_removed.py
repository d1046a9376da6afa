"""Removed: what the coordinator typed on rows the master no longer shows (a task taken out of a
plan, a task no longer delayed, a change request gone from the register). Never dropped: listed
here by sheet, row and column, and shown again on its sheet if the row comes back."""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from ...output.master.core import HEADER_ROW, MasterWriter
from ...xlsx.fastsheet import Col, as_text


@dataclass(frozen=True)
class RemovedValue:
    sheet: str  # the master sheet's title
    row_key: str
    column: str  # the column's label (or the header of a column the coordinator added)
    value: str
    why: str


def removed_values(w: MasterWriter) -> list[RemovedValue]:
    """Every recorded value whose row was not shown on its sheet in this master (call after the sheets)."""
    task_ids = {t.task_id for t in w.plan.tasks}
    out = []
    for spec in w.master_spec.sheets:
        shown = w.layer_shown.get(spec.id, set())
        labels = {f.key: f.label(w.lang) for f in spec.columns}
        title = _title(w, spec.id)
        for row_key, cells in w.layer.values.get(spec.id, {}).items():
            if row_key in shown:
                continue
            if spec.row_key == "task_id":
                why = w.t("coord-removed-not-on-sheet" if row_key in task_ids else "coord-removed-task-gone")
            else:
                why = w.t("coord-removed-row-gone")
            out += [RemovedValue(title, row_key, labels.get(col, col.lstrip("+")), value, why)
                    for col, value in cells.items()]
    return out


def _title(w: MasterWriter, sheet_id: str) -> str:
    try:
        return w.t(f"master-sheet-{sheet_id}")
    except KeyError:  # a sheet this build does not draw (its messages live with its writer)
        return sheet_id


def write(w: MasterWriter) -> None:
    items = removed_values(w)
    w.removed = len(items)
    sheet = w.sheet("removed")
    w.heading(sheet, w.t("master-sheet-removed"), w.t("coord-removed-subtitle"))
    cols = [Col(w.t("coord-col-sheet"), 16, attrgetter("sheet"), key="sheet"),
            Col(w.t("coord-col-row"), 12, attrgetter("row_key"), show=as_text, key="row_key"),
            Col(w.t("coord-col-column"), 20, attrgetter("column"), show=as_text, key="column"),
            Col(w.t("coord-col-value"), 40, attrgetter("value"), show=as_text, key="value"),
            Col(w.t("coord-col-why"), 30, attrgetter("why"), key="why")]
    w.table(sheet, HEADER_ROW, cols, items, freeze=(HEADER_ROW + 1, 0))
