"""The merged side tables: RACI, issues & risks, action items (each row with its source department)."""
from __future__ import annotations

from dataclasses import replace

from ...output.master.core import HEADER_ROW, MasterWriter, column, renamed
from ...spec.catalog import Text
from ...xlsx.fastsheet import Col

LATE = "#FFC7CE"  # the fill of an overdue item's "yes"


def _source(w: MasterWriter) -> Col:
    return Col(w.t("master-col-source"), 10, lambda r: r.department, key="source")


def _overdue(w: MasterWriter) -> Col:
    yes, no = w.label("yes_no", "yes"), w.label("yes_no", "no")
    return Col(w.t("master-col-overdue"), 9, lambda r: yes if r.overdue else no, key="overdue")


def write_raci(w: MasterWriter) -> None:
    sheet = w.sheet("raci")
    w.heading(sheet, w.t("master-sheet-raci"), w.subtitle())
    fields = w.catalog.form("raci").table("matrix").columns(w.ws.department_names())
    w.table(sheet, HEADER_ROW, [_source(w), *w.field_cols(fields)], w.plan.raci, freeze=(HEADER_ROW + 1, 2))


def write_issues(w: MasterWriter) -> None:
    sheet = w.sheet("issues")
    w.heading(sheet, w.t("master-sheet-issues"), w.subtitle())
    table = w.catalog.form("issues").table("log")
    cols = [_source(w), *w.field_cols(table.columns(w.ws.department_names())), _overdue(w)]
    last = w.table(sheet, HEADER_ROW, cols, w.plan.issues, freeze=(HEADER_ROW + 1, 2))
    first = HEADER_ROW + 1
    w.colour_by(sheet, first, last, column(cols, "impact"), "impact")
    w.colour_by(sheet, first, last, column(cols, "status"), "issue_status")
    w.colour_values(sheet, first, last, column(cols, "overdue"), {w.label("yes_no", "yes"): LATE})


def write_actions(w: MasterWriter) -> None:
    """Action items of every meeting of the departments' logs, each with its meeting (ID, name,
    type, date); they accumulate until done."""
    sheet = w.sheet("actions")
    w.heading(sheet, w.t("master-sheet-actions"), w.subtitle())
    form = w.catalog.form("minutes")
    meeting = [replace(renamed(f), label=Text("会议日期", "Meeting date")) if f.key == "date" else renamed(f)
               for f in form.table("meetings").fields if f.key in ("meeting_id", "meeting_name", "meeting_type", "date")]
    fields = [f for f in form.table("actions").columns(w.ws.department_names()) if f.key != "meeting_id"]
    cols = [_source(w), *w.field_cols(meeting), *w.field_cols(fields), _overdue(w)]
    last = w.table(sheet, HEADER_ROW, cols, w.plan.actions, freeze=(HEADER_ROW + 1, 2))
    w.colour_by(sheet, HEADER_ROW + 1, last, column(cols, "status"), "status")
    w.colour_values(sheet, HEADER_ROW + 1, last, column(cols, "overdue"), {w.label("yes_no", "yes"): LATE})
