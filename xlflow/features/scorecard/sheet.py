"""The Scorecard sheet: one row per department, each measure's definition, the figures week by
week with a native line chart per measure (a line per department), and the drill-down that
lists every task, week, version and risk behind every figure.

The figures are measures.py's (computed by features/scorecard/week.py, as the brief's are); this
module only lays them out. Every number is written as a value.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from ...output.master.core import MasterWriter, column
from ...xlsx.fastsheet import Col, FastSheet, Lookup
from .model import MEASURES, RESULTS, DepartmentScore, Figures, Ratio, Scorecard
from .text import deadline_text, definitions

TOP = 4  # 0-based header row of the department table
CHARTED = ("on_time", "slip", "punctuality", "first_time")  # one line chart each
CHART_W, CHART_H, CHART_ROWS = 520, 300, 16


def write(w: MasterWriter) -> None:
    card: Scorecard | None = w.scorecard
    if card is None:
        return
    sheet = w.sheet("scorecard")
    w.heading(sheet, w.t("score-title"), subtitle(w, card))
    w.block(sheet, TOP - 1, "score-block-departments", as_of=card.as_of.isoformat())
    cols = department_cols(w)
    last = w.table(sheet, TOP, cols, list(card.departments), freeze=(TOP + 1, 2))
    row = _definitions(w, sheet, last + 2, len(cols) - 1)
    w.block(sheet, row, "score-block-weeks")
    week_cols = _week_cols(w)
    rows = [f for d in card.departments for f in d.weeks]
    week_last = w.table(sheet, row + 1, week_cols, rows, print_rows=False)
    if card.departments:
        _charts(w, sheet, card, week_cols, row + 1)
    charts_end = row + 1 + CHART_ROWS * ((len(CHARTED) + 1) // 2) if card.departments else week_last
    drill = max(week_last, charts_end) + 2
    w.block(sheet, drill, "score-block-drill")
    order = {d.code: i for i, d in enumerate(w.ws.departments)}
    rank = {m: i for i, m in enumerate(MEASURES)}
    traces = sorted(card.traces, key=lambda t: (rank[t.measure], order.get(t.department, len(order)), t.item))
    drill_cols = _drill_cols(w)
    drill_last = w.table(sheet, drill + 1, drill_cols, traces, print_rows=False)
    yes = w.label("yes_no", "yes")
    w.colour_values(sheet, drill + 2, drill_last, column(drill_cols, "hit"), {yes: "#C6EFCE"})


def subtitle(w: MasterWriter, card: Scorecard) -> str:
    p = w.ws.project
    return w.t(
        "score-subtitle",
        project=p.name(w.lang),
        code=p.code,
        as_of=card.as_of.isoformat(),
        first=card.weeks[0].label,
        last=card.weeks[-1].label,
        weeks=len(card.weeks),
        deadline=deadline_text(w.ws, w.lang),
    )


def _ratio_cols(
    w: MasterWriter, key: str, hits_key: str, total_key: str, get: Callable[[DepartmentScore], Ratio]
) -> list[Col]:
    """A rate as three columns: the percent, and the two counts it is made of."""
    return [
        Col(w.t(f"score-col-{key}"), 11, lambda d: get(d).percent, "pct", key=key),
        Col(w.t(f"score-col-{hits_key}"), 9, lambda d: get(d).hits, "int", key=hits_key),
        Col(w.t(f"score-col-{total_key}"), 9, lambda d: get(d).total, "int", key=total_key),
    ]


def department_cols(w: MasterWriter) -> list[Col]:
    names = {d.code: d.name(w.lang) for d in w.ws.departments}

    def now(d: DepartmentScore) -> Figures:
        return d.current

    return [
        Col(w.t("master-col-department"), 10, lambda d: d.department, key="department"),
        Col(w.t("master-col-department-name"), 16, lambda d: names.get(d.department, d.department), key="name"),
        *_ratio_cols(w, "on-time", "on-time-hits", "on-time-total", lambda d: now(d).on_time),
        Col(w.t("score-col-slip"), 10, lambda d: now(d).slip_days, "int", key="slip"),
        Col(w.t("score-col-slip-change"), 9, lambda d: d.slip_change, "int", key="slip-change"),
        Col(w.t("score-col-slipped"), 9, lambda d: now(d).slipped, "int", key="slipped"),
        *_ratio_cols(w, "punctuality", "punctual-weeks", "weeks", lambda d: now(d).punctuality),
        *_ratio_cols(w, "first-time", "first-time-hits", "versions", lambda d: now(d).first_time),
        Col(w.t("score-col-blocked"), 9, lambda d: now(d).blocked, "int", key="blocked"),
        Col(w.t("score-col-blocked-oldest"), 10, lambda d: now(d).blocked_oldest, "int", key="blocked-oldest"),
        *_ratio_cols(w, "answered", "answered-hits", "answered-total", lambda d: now(d).answered),
        Col(w.t("score-col-stale"), 9, lambda d: now(d).stale, "int", key="stale"),
    ]


def definition(w: MasterWriter, measure: str) -> str:
    return w.t(f"score-def-{measure}", deadline=deadline_text(w.ws, w.lang))


def _definitions(w: MasterWriter, sheet: FastSheet, row: int, last_col: int) -> int:
    """Measure | its one-sentence definition (merged across the table's width); returns the next free row."""
    s = w.styles
    wrap = w.wb.add_format({"font_name": "Microsoft YaHei", "font_size": 10, "text_wrap": True, "valign": "top"})
    w.block(sheet, row, "score-block-definitions")
    w.check(sheet.write_string(row + 1, 0, w.t("score-col-measure"), s["header"]), "header")
    w.check(sheet.merge_range(row + 1, 1, row + 1, last_col, w.t("score-col-definition"), s["header"]), "header")
    for i, (name, text) in enumerate(definitions(w.ws, w.lang), start=row + 2):
        w.check(sheet.write_string(i, 0, name, wrap), "measure")
        w.check(sheet.merge_range(i, 1, i, last_col, text, wrap), "definition")
        sheet.set_row(i, 30)
    return row + 2 + len(MEASURES) + 1


def _week_cols(w: MasterWriter) -> list[Col]:
    """A row per department and week; every value read by a C-level getter (a rate: its percent)."""
    return [
        Col(w.t("master-col-department"), 10, attrgetter("department"), key="department"),
        Col(w.t("score-col-week"), 16, attrgetter("week.label"), key="week"),
        Col(w.t("score-col-on-time"), 11, attrgetter("on_time.percent"), "pct", key="on_time"),
        Col(w.t("score-col-slip"), 10, attrgetter("slip_days"), "int", key="slip"),
        Col(w.t("score-col-punctuality"), 11, attrgetter("punctuality.percent"), "pct", key="punctuality"),
        Col(w.t("score-col-first-time"), 11, attrgetter("first_time.percent"), "pct", key="first_time"),
        Col(w.t("score-col-blocked"), 9, attrgetter("blocked"), "int", key="blocked"),
        Col(w.t("score-col-answered"), 11, attrgetter("answered.percent"), "pct", key="answered"),
        Col(w.t("score-col-stale"), 9, attrgetter("stale"), "int", key="stale"),
    ]


CHART_SERIES_MAX = 255  # Excel's limit of series in one chart (xlsxwriter drops the rest with a warning)


def _charts(w: MasterWriter, sheet: FastSheet, card: Scorecard, cols: list[Col], header: int) -> None:
    """A native line chart per charted measure, a series per department, from the week table."""
    n = len(card.weeks)
    week = column(cols, "week")
    names = {d.code: d.name(w.lang) for d in w.ws.departments}
    charted = card.departments[:CHART_SERIES_MAX]
    for k, measure in enumerate(CHARTED):
        chart = w.wb.add_chart({"type": "line"})
        col = column(cols, measure)
        for i, dept in enumerate(charted):
            first = header + 1 + i * n
            chart.add_series(
                {
                    "name": names.get(dept.department, dept.department),
                    "categories": [sheet.name, first, week, first + n - 1, week],
                    "values": [sheet.name, first, col, first + n - 1, col],
                    "marker": {"type": "circle", "size": 5},
                }
            )
        title = w.t(f"score-chart-{measure}")
        if len(charted) < len(card.departments):  # the table below has every department
            title = w.t("score-chart-first", title=title, shown=len(charted), total=len(card.departments))
        chart.set_title({"name": title, "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        axis = {"min": 0, "max": 100, "major_unit": 25} if measure != "slip" else {"min": 0}
        chart.set_y_axis({**axis, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.show_blanks_as("span")
        chart.set_size({"width": CHART_W, "height": CHART_H})
        sheet.insert_chart(header + CHART_ROWS * (k // 2), len(cols) + 1 + 8 * (k % 2), chart)


def _drill_cols(w: MasterWriter) -> list[Col]:
    """Widths chosen to sit under the department table's columns (stacked tables share them):
    the long texts go under the department name, the note is last and runs on to the right."""
    yes, no = w.label("yes_no", "yes"), w.label("yes_no", "no")
    measures = {m: w.t(f"score-measure-{m}") for m in MEASURES}
    results = {r: w.t(f"score-result-{r}") for r in RESULTS}
    return [  # (the drill-down has a row per item behind every figure: C-level getters, no call per cell)
        Col(w.t("score-col-measure"), 18, Lookup(measures, attrgetter("measure")), key="measure"),
        Col(w.t("score-col-description"), 26, attrgetter("name"), key="name"),
        Col(w.t("master-col-department"), 10, attrgetter("department"), key="department"),
        Col(w.t("score-col-item"), 11, attrgetter("item"), key="item"),
        Col(w.t("score-col-target"), 16, attrgetter("target"), key="target"),
        Col(w.t("score-col-actual"), 16, attrgetter("actual"), key="actual"),
        Col(w.t("score-col-days"), 8, attrgetter("days"), "int", key="days"),
        Col(w.t("score-col-result"), 16, Lookup(results, attrgetter("result")), key="result"),
        Col(w.t("score-col-counted"), 9, Lookup({True: yes, False: no}, attrgetter("hit")), key="hit"),
        Col(w.t("score-col-note"), 12, attrgetter("note"), key="note"),
    ]
