"""The dashboard: headline figures, a table per department with a column per status, the overall
status table, who has not submitted this week, and two charts drawn from those tables.

The statuses are the plan's (the spec's enums), so a status added to enums.toml gets its column,
its bar series and its slice. Chart ranges point at the columns by key.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ...output.master.core import MasterWriter, as_datetime, column
from ...plan.model import DeptStats
from ...xlsx.fastsheet import Col, FastSheet

TOP = 6  # 0-based header row of the department table; the headline figures are above it


def write(w: MasterWriter) -> None:
    sheet = w.sheet("dashboard")
    w.heading(sheet, f"{w.ws.project.name(w.lang)} — {w.t('master-title')}", w.subtitle())
    total = w.plan.totals()
    _figures(w, sheet, total)
    cols = _department_cols(w)
    w.block(sheet, TOP - 1, "master-block-departments")
    last = w.table(sheet, TOP, cols, w.plan.departments, freeze=(TOP + 1, 2))
    w.colour_by(sheet, TOP + 1, last, column(cols, "this_week"), "yes_no")
    w.block(sheet, last + 2, "master-block-overall")
    overall_cols = [Col(w.t("master-col-status"), 14, lambda c: w.status.label_of(c, w.lang), key="status"),
                    Col(w.t("master-col-tasks"), 10, lambda c: total.by_status[c], "int", key="tasks")]
    o_top = last + 3
    o_last = w.table(sheet, o_top, overall_cols, list(w.plan.statuses), print_rows=False)
    w.colour_by(sheet, o_top + 1, o_last, column(overall_cols, "status"), "status")
    _not_submitted(w, sheet, o_last + 2)
    if w.plan.departments:
        _bar_chart(w, sheet, cols, last, len(cols))
        _pie_chart(w, sheet, overall_cols, o_top, o_last, len(cols))


def _figures(w: MasterWriter, sheet: FastSheet, total: DeptStats) -> None:
    """A row of labelled headline figures, two columns apart."""
    s, plan = w.styles, w.plan
    figures = [
        ("master-kpi-tasks", total.tasks), ("master-kpi-percent", round(total.percent_complete, 1)),
        ("master-kpi-overdue", total.by_health["overdue"]), ("master-kpi-blocked", total.blocked),
        ("master-kpi-due-soon", total.by_health["due_soon"]),
        ("master-kpi-problems", len(plan.problems)),
        ("master-kpi-end", plan.end_date),
        ("master-kpi-decisions", sum(1 for c in w.changes if c.pending)),  # after the date: a wide column
    ]
    if w.control is not None:  # the projected end against the baseline end, and how many tasks slipped
        figures += [("master-kpi-baseline-end", w.control.baseline_end),
                    ("master-kpi-slipped", w.control.slipped)]
    for i, (key, value) in enumerate(figures):
        col = i * 2
        w.check(sheet.write_string(2, col, w.t(key), s["label"]), "kpi label")
        if isinstance(value, dt.date):
            sheet.write_datetime(3, col, as_datetime(value), s["date"])
            sheet.set_column(col, col, 11)  # a date needs it where no table below sets the width
        elif value is not None:
            sheet.write_number(3, col, value, s["kpi_pct" if key == "master-kpi-percent" else "kpi"])
    sheet.set_row(3, 22)


def _department_cols(w: MasterWriter) -> list[Col]:
    plan, lang = w.plan, w.lang
    stats = plan.stats
    dept_name = {d.code: d.name(lang) for d in w.ws.departments}
    yes, no = w.label("yes_no", "yes"), w.label("yes_no", "no")
    cols = [Col(w.t("master-col-department"), 10, lambda d: d, key="department"),
            Col(w.t("master-col-department-name"), 18, lambda d: dept_name.get(d, d), key="department_name"),
            Col(w.t("master-col-tasks"), 8, lambda d: stats[d].tasks, "int", key="tasks")]
    def count(code: str) -> Callable[[str], int]:  # a department's tasks with this status
        return lambda d: stats[d].by_status[code]

    cols += [Col(w.status.label_of(code, lang), 9, count(code), "int", key=f"status:{code}") for code in plan.statuses]
    cols += [Col(w.t("master-col-percent"), 10, lambda d: round(stats[d].percent_complete, 1), "pct", key="percent"),
             Col(w.t("master-col-overdue"), 9, lambda d: stats[d].overdue, "int", key="overdue"),
             Col(w.t("master-col-due-soon"), 9, lambda d: stats[d].by_health["due_soon"], "int", key="due_soon"),
             Col(w.time_header("master-col-last-received"), 17, lambda d: w.when(stats[d].last_received),
                 key="last_received"),
             Col(w.t("master-col-this-week"), 11, lambda d: yes if stats[d].submitted_this_week else no,
                 key="this_week")]
    return cols


def _not_submitted(w: MasterWriter, sheet: FastSheet, row: int) -> None:
    plan, s = w.plan, w.styles
    dept_name = {d.code: d.name(w.lang) for d in w.ws.departments}
    w.block(sheet, row, "master-block-not-submitted", since=plan.week_start.isoformat())
    if not plan.not_submitted:
        sheet.write_string(row + 1, 0, w.t("master-none"), s["text"])
    for i, code in enumerate(plan.not_submitted):
        sheet.write_string(row + 1 + i, 0, code, s["text"])
        sheet.write_string(row + 1 + i, 1, dept_name.get(code, code), s["text"])


def count_step(most: int) -> int:
    """A whole-number axis step for task counts up to `most`: 1, 2, 5, 10, 20, 50… giving at most 10 steps."""
    base = 1
    while True:
        for step in (base, 2 * base, 5 * base):
            if most <= 10 * step:
                return step
        base *= 10


def _bar_chart(w: MasterWriter, sheet: FastSheet, cols: list[Col], last: int, ncols: int) -> None:
    """Tasks by status, a stacked bar per department, from the department table."""
    name, first = sheet.name, TOP + 1
    dept = column(cols, "department")
    bar = w.wb.add_chart({"type": "bar", "subtype": "stacked"})
    for code in w.plan.statuses:
        col = column(cols, f"status:{code}")
        bar.add_series({
            "name": [name, TOP, col],
            "categories": [name, first, dept, last, dept],
            "values": [name, first, col, last, col],
            "fill": {"color": w.status.colour_of(code) or "#D9D9D9"}, "border": {"color": "#808080"},
        })
    bar.set_title({"name": w.t("master-chart-by-department"), "name_font": {"size": 11}})
    bar.set_y_axis({"reverse": True})
    most = max((w.plan.stats[d].tasks for d in w.plan.departments), default=0)
    bar.set_x_axis({"min": 0, "major_unit": count_step(most), "num_format": "0"})  # task counts: whole steps
    bar.set_legend({"position": "bottom"})
    bar.set_size({"width": 620, "height": max(300, min(1600, 60 + 22 * (last - TOP)))})
    sheet.insert_chart(TOP, ncols + 1, bar)


def _pie_chart(w: MasterWriter, sheet: FastSheet, cols: list[Col], o_top: int, o_last: int, ncols: int) -> None:
    """Every task by status, from the overall table."""
    name = sheet.name
    label, count = column(cols, "status"), column(cols, "tasks")
    pie = w.wb.add_chart({"type": "doughnut"})
    pie.add_series({
        "name": w.t("master-chart-overall"),
        "categories": [name, o_top + 1, label, o_last, label],
        "values": [name, o_top + 1, count, o_last, count],
        "points": [{"fill": {"color": w.status.colour_of(c) or "#D9D9D9"}} for c in w.plan.statuses],
        "data_labels": {"value": True},
    })
    pie.set_title({"name": w.t("master-chart-overall"), "name_font": {"size": 11}})
    pie.set_size({"width": 420, "height": 300})
    sheet.insert_chart(TOP, ncols + 11, pie)
