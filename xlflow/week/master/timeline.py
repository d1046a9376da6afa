"""The timeline: a Gantt by week, one row per task. The bars are conditional formats over the week
columns (not a value per task and week), whose formula reads the task's status, start and due
cells: those columns are found by key, so the formula follows them wherever they are."""
from __future__ import annotations

import datetime as dt
from operator import attrgetter

from ...output.master.core import HEADER_ROW, MasterWriter, as_datetime, column
from ...plan.model import MasterPlan
from ...xlsx.book import cell_name, col_name
from ...xlsx.fastsheet import Col, FastSheet, FieldValue, as_date, as_text

MAX_WEEKS = 104


def timeline_cols(w: MasterWriter) -> list[Col]:
    """The task columns left of the weeks; `effective_status`, `start` and `due` must be among them."""
    return [Col(w.t("master-col-department"), 8, attrgetter("department"), key="department"),
            Col(w.catalog.form("wbs").table("tasks").fields[0].label(w.lang), 10, attrgetter("task_id"),
                show=as_text, key="task_id"),
            Col(w.t("master-col-name"), 28, FieldValue("name"), show=as_text, key="name"),
            Col(w.t("master-col-effective-status"), 10, attrgetter("effective_status"), show=w.shows("status"),
                key="effective_status"),
            Col(w.t("master-col-start"), 11, attrgetter("start"), show=as_date, key="start"),
            Col(w.t("master-col-due"), 11, attrgetter("due"), show=as_date, key="due")]


def write(w: MasterWriter) -> None:
    sheet = w.sheet("timeline")
    w.heading(sheet, w.t("master-sheet-timeline"), w.subtitle())
    cols = timeline_cols(w)
    row = HEADER_ROW
    last = w.table(sheet, row, cols, w.plan.tasks, freeze=(row + 1, 3), table=False)
    weeks = _weeks(w.plan)
    first_week = len(cols)
    for i, monday in enumerate(weeks):
        sheet.write_datetime(row, first_week + i, as_datetime(monday), w.styles["week"])
    if weeks:
        sheet.set_column(first_week, first_week + len(weeks) - 1, 3.2)
        sheet.set_row(row, 40)
        _bars(w, sheet, cols, row + 1, last, first_week, first_week + len(weeks) - 1)
        w.colour_by(sheet, row + 1, last, column(cols, "effective_status"), "status")
    sheet.fit_to_pages(0, 0)
    sheet.set_paper(8)  # A3: a Gantt is wide


def _bars(w: MasterWriter, sheet: FastSheet, cols: list[Col], first: int, last: int, first_week: int, last_week: int) -> None:
    """A bar rule per status (the week overlaps start..due), then the today marker."""
    w0 = cell_name(first - 1, first_week, row_abs=True)  # the week header of the first week column, e.g. G$4
    r0 = first + 1  # the first task row, 1-based
    status, start, due = (f"${col_name(column(cols, key))}{r0}" for key in ("effective_status", "start", "due"))
    for choice in w.status.values:
        label = choice.label(w.lang).replace('"', '""')
        w.check(sheet.conditional_format(first, first_week, last, last_week, {
            "type": "formula",
            "criteria": f'=AND({status}="{label}",{w0}<={due},{w0}+6>={start})',
            "format": w.styles.fill(choice.colour or "#D9D9D9")}), "timeline bar")
    # after the bars: LibreOffice applies only the first matching rule
    today = w.plan.as_of
    date = f"DATE({today.year},{today.month},{today.day})"
    w.check(sheet.conditional_format(first, first_week, last, last_week, {
        "type": "formula", "criteria": f"=AND({w0}<={date},{w0}+6>={date})",
        "format": w.styles["today"]}), "today marker")


def _weeks(plan: MasterPlan) -> list[dt.date]:
    """Mondays from the first start to the last due date (at most MAX_WEEKS), with as_of in range."""
    starts = [d for d in map(attrgetter("start"), plan.tasks) if d is not None]  # (a date or None)
    dues = [d for d in map(attrgetter("due"), plan.tasks) if d is not None]
    if not starts and not dues:
        return []
    first = min(starts + dues + [plan.as_of])
    last = max(starts + dues + [plan.as_of])
    monday = first - dt.timedelta(days=first.weekday())
    weeks: list[dt.date] = []
    while monday <= last and len(weeks) < MAX_WEEKS:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks
