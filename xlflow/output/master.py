"""MasterPlan → the master workbook (xlsxwriter): dashboard, master WBS, timeline, delays,
dependencies, RACI, issues, action items, submissions.

Department text is untrusted: big tables go through fastsheet.FastSheet.bulk(), which
writes it only as string cells, never formulas. Status and health colours are conditional
formats on the label columns, so changing a status in Excel recolours it.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable

from ..config import Workspace
from ..i18n import Phrase, msg
from ..plan.model import MasterPlan
from ..spec import layout
from ..spec.catalog import Field, load_catalog
from ..xlsx.book import SAFE_OPTIONS, cell_name
from ..xlsx.fastsheet import (
    Col,
    FastSheet,
    FieldValue,
    Styles,
    as_date,
    as_number,
    as_text,
)
from ..xlsx.pack import FastWorkbook

MAX_WEEKS = 104
HEADER_ROW = 3  # 0-based row of a sheet's first table header: title, subtitle, blank line above it


@dataclass
class WriteResult:
    path: Path  # where the master actually is
    locked: bool = False  # the target was open elsewhere; `path` is a timestamped file beside it
    target: Path | None = None


class MasterWriter:
    def __init__(self, plan: MasterPlan, ws: Workspace, path: Path, lang: str) -> None:
        self.plan, self.ws, self.lang = plan, ws, lang
        self.catalog = load_catalog()
        self.status = self.catalog.enums["status"]
        self.health = self.catalog.enums["health"]
        self.wb = FastWorkbook(str(path), SAFE_OPTIONS)
        self.wb.worksheet_class = FastSheet
        self.styles = Styles(self.wb)
        self._tables = 0
        self._widths: dict[tuple[str, int], float] = {}
        self._key = ""
        self._shows: dict[str, Callable[[object], str | None]] = {}

    def t(self, key: str, **params: object) -> str:
        return msg(key, self.lang, **params)

    def _check(self, code: int | None, what: str) -> None:
        if code not in (0, None):
            raise RuntimeError(f"xlsxwriter refused {what} (code {code})")

    # ---- helpers shared by the sheets ----

    def sheet(self, key: str) -> FastSheet:
        sheet = self.wb.add_worksheet(self.t(f"master-sheet-{key}"))
        self._key = key
        sheet.hide_gridlines(2)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(0.4, 0.4, 0.6, 0.6)
        sheet.set_footer(f"&L{self.ws.project.name(self.lang)}&C&A&R&P / &N")
        return sheet

    def heading(self, sheet: FastSheet, title: str, subtitle: str | None = None) -> None:
        self._check(sheet.write_string(0, 0, title, self.styles["title"]), "title")
        sheet.set_row(0, 24)
        if subtitle:
            self._check(sheet.write_string(1, 0, subtitle, self.styles["subtitle"]), "subtitle")

    def table(self, sheet: FastSheet, row: int, cols: list[Col], items: list, *, first_col: int = 0,
              freeze: tuple[int, int] | None = None, print_rows: bool = True, table: bool = True) -> int:
        """A header row and one row per item, as an Excel table with widths; returns the last row used."""
        headers = _unique([c.header for c in cols])
        count = sheet.bulk(row + 1, cols, items, self.styles, first_col)
        last = row + max(count, 1)
        if table:
            self._tables += 1
            sheet.add_big_table(row, first_col, last, first_col + len(cols) - 1, {
                "name": f"{self._key}_{self._tables}",
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self.styles["header"]} for h in headers],
            })
        else:
            for i, h in enumerate(headers):
                self._check(sheet.write_string(row, first_col + i, h, self.styles["header"]), "header")
            sheet.autofilter(row, first_col, last, first_col + len(cols) - 1)
        sheet.set_row(row, 32)
        for i, c in enumerate(cols):  # tables stacked on one sheet share columns: the widest wins
            col = first_col + i
            width = max(c.width, self._widths.get((sheet.name, col), 0))
            self._widths[(sheet.name, col)] = width
            sheet.set_column(col, col, width)
        if freeze:
            sheet.freeze_panes(*freeze)
        if print_rows:
            sheet.repeat_rows(row)
        return last

    def colour_by(self, sheet: FastSheet, first_row: int, last_row: int, col: int, enum_key: str) -> None:
        """One conditional format per value of the enum on a label column: the legend of FORMS.md."""
        enum = self.catalog.enums[enum_key]
        for choice in enum.values:
            if not choice.colour:
                continue
            label = choice.label(self.lang).replace('"', '""')
            self._check(sheet.conditional_format(first_row, col, last_row, col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"',
                "format": self.styles.fill(choice.colour)}), "conditional format")

    def colour_values(self, sheet: FastSheet, first_row: int, last_row: int, col: int,
                      colours: dict[str, str]) -> None:
        for text, colour in colours.items():
            self._check(sheet.conditional_format(first_row, col, last_row, col, {
                "type": "cell", "criteria": "==", "value": '"' + text.replace('"', '""') + '"',
                "format": self.styles.fill(colour)}), "conditional format")

    def label(self, enum_key: str, code: object) -> str | None:
        if code is None:
            return None
        return self.catalog.enums[enum_key].label_of(str(code), self.lang)

    def field_cols(self, fields: Iterable[Field]) -> list[Col]:
        """Columns for spec fields of the items' `values`: labels, widths and display from the spec."""
        return [Col(f.label(self.lang), max(f.width, 8), FieldValue(f.key), _kind(f), self._show(f)) for f in fields]

    def _show(self, f: Field) -> Callable[[object], object]:
        if f.type == "choice":
            return self.shows(f.choices)
        if f.type == "percent":
            return as_number
        if f.type == "date":
            return as_date
        return as_text  # task_ids: "A-1, A-2"

    def shows(self, enum_key: str) -> Callable[[object], str | None]:
        """code -> label in the master's language, for a Col's `show` (one per enum: columns share a memo)."""
        if enum_key not in self._shows:
            labels = {c.code: c.label(self.lang) for c in self.catalog.enums[enum_key].values}
            self._shows[enum_key] = partial(_label, labels)
        return self._shows[enum_key]

    def write(self) -> None:
        self.wb.set_properties({"title": f"{self.ws.project.name(self.lang)} — {self.t('master-title')}",
                                "subject": self.ws.project.code, "comments": "xlflow"})
        for name, value in ((layout.PROP_KIND, "master"), (layout.PROP_PROJECT, self.ws.project.code),
                            (layout.PROP_LANG, self.lang)):
            self.wb.set_custom_property(name, value, "text")
        self.dashboard()
        self.master_wbs()
        self.timeline()
        self.delays()
        self.dependencies()
        self.raci()
        self.issues()
        self.actions()
        self.submissions()
        self.wb.close()

    def subtitle(self) -> str:
        p = self.ws.project
        return self.t("master-subtitle", project=p.name(self.lang), code=p.code, as_of=self.plan.as_of.isoformat())

    # ---- the sheets ----

    def dashboard(self) -> None:
        plan, s, lang = self.plan, self.styles, self.lang
        sheet = self.sheet("dashboard")
        self.heading(sheet, f"{self.ws.project.name(lang)} — {self.t('master-title')}", self.subtitle())
        total = plan.totals()
        kpis = [
            ("master-kpi-tasks", total.tasks), ("master-kpi-percent", round(total.percent_complete, 1)),
            ("master-kpi-overdue", total.by_health["overdue"]), ("master-kpi-blocked", total.blocked),
            ("master-kpi-due-soon", total.by_health["due_soon"]),
            ("master-kpi-problems", sum(1 for p in plan.problems)),
            ("master-kpi-end", plan.end_date),
        ]
        for i, (key, value) in enumerate(kpis):
            col = i * 2
            self._check(sheet.write_string(2, col, self.t(key), s["label"]), "kpi label")
            if isinstance(value, dt.date):
                sheet.write_datetime(3, col, dt.datetime.combine(value, dt.time()), s["date"])
            elif value is not None:
                sheet.write_number(3, col, value, s["kpi"])
        sheet.set_row(3, 22)
        codes = plan.departments
        dept_name = {d.code: d.name(lang) for d in self.ws.departments}
        status_labels = [self.status.label_of(c, lang) for c in plan.statuses]
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        cols = [Col(self.t("master-col-department"), 10, lambda d: d),
                Col(self.t("master-col-department-name"), 18, lambda d: dept_name.get(d, d)),
                Col(self.t("master-col-tasks"), 8, lambda d: plan.stats[d].tasks, "int")]
        cols += [Col(label, 9, (lambda code: lambda d: plan.stats[d].by_status[code])(code), "int")
                 for code, label in zip(plan.statuses, status_labels)]
        cols += [Col(self.t("master-col-percent"), 10, lambda d: round(plan.stats[d].percent_complete, 1), "pct"),
                 Col(self.t("master-col-overdue"), 9, lambda d: plan.stats[d].overdue, "int"),
                 Col(self.t("master-col-due-soon"), 9, lambda d: plan.stats[d].by_health["due_soon"], "int"),
                 Col(self.t("master-col-last-received"), 17, lambda d: plan.stats[d].last_received),
                 Col(self.t("master-col-this-week"), 11, lambda d: yes if plan.stats[d].submitted_this_week else no)]
        top = 6
        self._check(sheet.write_string(top - 1, 0, self.t("master-block-departments"), s["block"]), "block")
        last = self.table(sheet, top, cols, codes, freeze=(top + 1, 2))
        yes_no_col = len(cols) - 1
        self.colour_by(sheet, top + 1, last, yes_no_col, "yes_no")
        # overall status, for the pie
        row = last + 2
        self._check(sheet.write_string(row, 0, self.t("master-block-overall"), s["block"]), "block")
        overall_cols = [Col(self.t("master-col-status"), 14, lambda c: self.status.label_of(c, lang)),
                        Col(self.t("master-col-tasks"), 10, lambda c: total.by_status[c], "int")]
        overall_top = row + 1
        overall_last = self.table(sheet, overall_top, overall_cols, list(plan.statuses), print_rows=False)
        self.colour_by(sheet, overall_top + 1, overall_last, 0, "status")
        row = overall_last + 2
        self._check(sheet.write_string(row, 0, self.t("master-block-not-submitted",
                                                       since=plan.week_start.isoformat()), s["block"]), "block")
        if plan.not_submitted:
            for i, code in enumerate(plan.not_submitted):
                sheet.write_string(row + 1 + i, 0, code, s["text"])
                sheet.write_string(row + 1 + i, 1, dept_name.get(code, code), s["text"])
        else:
            sheet.write_string(row + 1, 0, self.t("master-none"), s["text"])
        if codes:
            self._charts(sheet, top, last, len(codes), overall_top, overall_last, len(cols))

    def _charts(self, sheet: FastSheet, top: int, last: int, n: int, o_top: int, o_last: int, ncols: int) -> None:
        name = sheet.name
        bar = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for i, code in enumerate(self.plan.statuses):
            col = 3 + i
            bar.add_series({
                "name": [name, top, col],
                "categories": [name, top + 1, 0, top + n, 0],
                "values": [name, top + 1, col, top + n, col],
                "fill": {"color": self.status.colour_of(code)}, "border": {"color": "#808080"},
            })
        bar.set_title({"name": self.t("master-chart-by-department"), "name_font": {"size": 11}})
        bar.set_y_axis({"reverse": True})
        bar.set_legend({"position": "bottom"})
        bar.set_size({"width": 620, "height": max(300, min(1600, 60 + 22 * n))})
        sheet.insert_chart(top, ncols + 1, bar)
        pie = self.wb.add_chart({"type": "doughnut"})
        pie.add_series({
            "name": self.t("master-chart-overall"),
            "categories": [name, o_top + 1, 0, o_last, 0],
            "values": [name, o_top + 1, 1, o_last, 1],
            "points": [{"fill": {"color": self.status.colour_of(c)}} for c in self.plan.statuses],
            "data_labels": {"value": True},
        })
        pie.set_title({"name": self.t("master-chart-overall"), "name_font": {"size": 11}})
        pie.set_size({"width": 420, "height": 300})
        sheet.insert_chart(top, ncols + 11, pie)

    def task_cols(self) -> list[Col]:
        """Every WBS field of the spec, then what the merge computes."""
        wbs = self.catalog.form("wbs").table("tasks").columns(self.ws.department_names())
        cols = [Col(self.t("master-col-department"), 10, attrgetter("department"))]
        cols += self.field_cols(wbs)
        cols += [
            Col(self.t("master-col-effective-status"), 11, attrgetter("effective_status"), show=self.shows("status")),
            Col(self.t("master-col-health"), 10, attrgetter("health"), show=self.shows("health")),
            Col(self.t("master-col-days-to-due"), 12, attrgetter("days_to_due"), "int"),
            Col(self.t("master-col-days-late"), 12, attrgetter("days_late"), "int"),
            Col(self.t("master-col-open-predecessors"), 16,
                lambda t: ", ".join(p.task_id for p in t.open_predecessors) or None),
            Col(self.t("master-col-successors-other"), 18,
                lambda t: ", ".join(s.task_id for s in t.successors_other_depts) or None),
            Col(self.t("master-col-file"), 18, attrgetter("file")),
            Col(self.t("master-col-received"), 16, attrgetter("received")),
        ]
        return cols

    def master_wbs(self) -> None:
        sheet = self.sheet("wbs")
        self.heading(sheet, self.t("master-sheet-wbs"), self.subtitle())
        cols = self.task_cols()
        last = self.table(sheet, HEADER_ROW, cols, self.plan.tasks, freeze=(HEADER_ROW + 1, 3))
        headers = [c.header for c in cols]
        wbs = self.catalog.form("wbs").table("tasks")
        status_col = 1 + [f.key for f in wbs.fields].index("status")
        priority_col = 1 + [f.key for f in wbs.fields].index("priority")
        eff_col = headers.index(self.t("master-col-effective-status"))
        health_col = headers.index(self.t("master-col-health"))
        first = HEADER_ROW + 1
        for col in (status_col, eff_col):
            self.colour_by(sheet, first, last, col, "status")
        self.colour_by(sheet, first, last, health_col, "health")
        self.colour_by(sheet, first, last, priority_col, "priority")
        self._check(sheet.data_validation(first, status_col, last, status_col, {
            "validate": "list", "source": self.status.labels(self.lang), "error_type": "warning"}), "validation")

    def timeline(self) -> None:
        """A Gantt by week: one row per task, the bars are conditional formats over the week range."""
        plan, s = self.plan, self.styles
        sheet = self.sheet("timeline")
        self.heading(sheet, self.t("master-sheet-timeline"), self.subtitle())
        cols = [Col(self.t("master-col-department"), 8, attrgetter("department")),
                Col(self.catalog.form("wbs").table("tasks").fields[0].label(self.lang), 10, attrgetter("task_id"),
                    show=as_text),
                Col(self.t("master-col-name"), 28, FieldValue("name"), show=as_text),
                Col(self.t("master-col-effective-status"), 10, attrgetter("effective_status"),
                    show=self.shows("status")),
                Col(self.t("master-col-start"), 11, attrgetter("start"), show=as_date),
                Col(self.t("master-col-due"), 11, attrgetter("due"), show=as_date)]
        weeks = _weeks(plan)
        row = HEADER_ROW
        last = self.table(sheet, row, cols, plan.tasks, freeze=(row + 1, 3), table=False)
        first_week_col = len(cols)
        for i, monday in enumerate(weeks):
            sheet.write_datetime(row, first_week_col + i, dt.datetime.combine(monday, dt.time()), s["week"])
        if weeks:
            sheet.set_column(first_week_col, first_week_col + len(weeks) - 1, 3.2)
            sheet.set_row(row, 40)
            first, week_last = row + 1, first_week_col + len(weeks) - 1
            w0 = cell_name(row, first_week_col, row_abs=True)  # e.g. G$4
            r0 = first + 1
            as_of = plan.as_of
            for choice in self.status.values:
                label = choice.label(self.lang).replace('"', '""')
                self._check(sheet.conditional_format(first, first_week_col, last, week_last, {
                    "type": "formula",
                    "criteria": f'=AND($D{r0}="{label}",{w0}<=$F{r0},{w0}+6>=$E{r0})',
                    "format": s.fill(choice.colour or "#D9D9D9")}), "timeline bar")
            # after the bars: LibreOffice applies only the first matching rule
            self._check(sheet.conditional_format(first, first_week_col, last, week_last, {
                "type": "formula",
                "criteria": f"=AND({w0}<=DATE({as_of.year},{as_of.month},{as_of.day}),"
                            f"{w0}+6>=DATE({as_of.year},{as_of.month},{as_of.day}))",
                "format": s["today"]}), "today marker")
            self.colour_by(sheet, first, last, 3, "status")
        sheet.fit_to_pages(0, 0)
        sheet.set_paper(8)  # A3: a Gantt is wide

    def delays(self) -> None:
        plan = self.plan
        sheet = self.sheet("delays")
        self.heading(sheet, self.t("master-sheet-delays"), self.subtitle())
        st, hl = self.shows("status"), self.shows("health")
        wbs = {f.key: f for f in self.catalog.form("wbs").table("tasks").fields}
        cols = [Col(self.t("master-col-department"), 10, attrgetter("department")),
                Col(wbs["task_id"].label(self.lang), 11, attrgetter("task_id"), show=as_text),
                Col(wbs["name"].label(self.lang), 32, FieldValue("name"), show=as_text),
                Col(wbs["owner"].label(self.lang), 10, FieldValue("owner"), show=as_text),
                Col(self.t("master-col-effective-status"), 11, attrgetter("effective_status"), show=st),
                Col(wbs["status"].label(self.lang), 10, attrgetter("status"), show=st),
                Col(self.t("master-col-health"), 10, attrgetter("health"), show=hl),
                Col(wbs["due"].label(self.lang), 11, attrgetter("due"), show=as_date),
                Col(self.t("master-col-days-late"), 9, attrgetter("days_late"), "int"),
                Col(wbs["reason"].label(self.lang), 32, FieldValue("reason"), show=as_text),
                Col(self.t("master-col-holds-up"), 28, lambda t: ", ".join(
                    f"{s.task_id} ({s.department})" for s in t.successors_other_depts) or None),
                Col(self.t("master-col-open-predecessors"), 16,
                    lambda t: ", ".join(p.task_id for p in t.open_predecessors) or None)]
        last = self.table(sheet, HEADER_ROW, cols, plan.delays(), freeze=(HEADER_ROW + 1, 3))
        self.colour_by(sheet, HEADER_ROW + 1, last, 4, "status")
        self.colour_by(sheet, HEADER_ROW + 1, last, 5, "status")
        self.colour_by(sheet, HEADER_ROW + 1, last, 6, "health")

    def dependencies(self) -> None:
        plan, s = self.plan, self.styles
        sheet = self.sheet("dependencies")
        self.heading(sheet, self.t("master-sheet-dependencies"), self.subtitle())
        row = HEADER_ROW - 1
        self._check(sheet.write_string(row, 0, self.t("master-block-problems", count=len(plan.problems)),
                                       s["block"]), "block")
        problem_cols = [
            Col(self.t("master-col-problem"), 44, lambda p: self.t(f"merge-problem-{p.kind}")),
            Col(self.t("master-col-department"), 10, lambda p: p.department),
            Col(self.t("master-col-task"), 12, lambda p: p.task_id),
            Col(self.t("master-col-other-department"), 10, lambda p: p.other_department),
            Col(self.t("master-col-other-task"), 12, lambda p: p.other_task_id),
            Col(self.t("master-col-detail"), 40,
                lambda p: (p.detail.render(self.lang) if isinstance(p.detail, Phrase) else p.detail) or None)]
        last = self.table(sheet, row + 1, problem_cols, plan.problems, freeze=(row + 2, 0), print_rows=False)
        row = last + 2
        end = plan.end_date.isoformat() if plan.end_date else "—"
        self._check(sheet.write_string(row, 0, self.t("master-block-critical", end=end), s["block"]), "block")
        st = {c.code: c.label(self.lang) for c in self.status.values}
        status = self.shows("status")
        crit_cols = [Col(self.t("master-col-department"), 10, lambda t: t.department),
                     Col(self.t("master-col-task"), 12, lambda t: t.task_id),
                     Col(self.t("master-col-name"), 30, lambda t: as_text(t.values.get("name"))),
                     Col(self.t("master-col-effective-status"), 11, lambda t: _label(st, t.effective_status)),
                     Col(self.t("master-col-start"), 11, lambda t: as_date(t.start)),
                     Col(self.t("master-col-due"), 11, lambda t: as_date(t.due)),
                     Col(self.t("master-col-projected"), 12, lambda t: t.projected_finish)]
        c_top = row + 1
        last = self.table(sheet, c_top, crit_cols, plan.critical_path, print_rows=False)
        self.colour_by(sheet, c_top + 1, last, 3, "status")
        row = last + 2
        links = plan.cross_links
        self._check(sheet.write_string(row, 0, self.t("master-block-links", count=len(links)), s["block"]), "block")
        link_cols = [Col(self.t("master-col-pred-department"), 10, lambda l: l[0].department),
                     Col(self.t("master-col-pred-task"), 12, lambda l: l[0].task_id),
                     Col(self.t("master-col-pred-name"), 26, lambda l: l[0].values.get("name"), show=as_text),
                     Col(self.t("master-col-pred-status"), 11, lambda l: l[0].effective_status, show=status),
                     Col(self.t("master-col-pred-due"), 11, lambda l: l[0].due, show=as_date),
                     Col(self.t("master-col-succ-department"), 10, lambda l: l[1].department),
                     Col(self.t("master-col-succ-task"), 12, lambda l: l[1].task_id),
                     Col(self.t("master-col-succ-name"), 26, lambda l: l[1].values.get("name"), show=as_text),
                     Col(self.t("master-col-succ-status"), 11, lambda l: l[1].effective_status, show=status),
                     Col(self.t("master-col-succ-start"), 11, lambda l: l[1].start, show=as_date)]
        l_top = row + 1
        last = self.table(sheet, l_top, link_cols, links)
        self.colour_by(sheet, l_top + 1, last, 3, "status")
        self.colour_by(sheet, l_top + 1, last, 8, "status")

    def raci(self) -> None:
        sheet = self.sheet("raci")
        self.heading(sheet, self.t("master-sheet-raci"), self.subtitle())
        fields = self.catalog.form("raci").table("matrix").columns(self.ws.department_names())
        cols = [Col(self.t("master-col-source"), 10, lambda r: r.department)]
        cols += self.field_cols(fields)
        self.table(sheet, HEADER_ROW, cols, self.plan.raci, freeze=(HEADER_ROW + 1, 2))

    def issues(self) -> None:
        sheet = self.sheet("issues")
        self.heading(sheet, self.t("master-sheet-issues"), self.subtitle())
        table = self.catalog.form("issues").table("log")
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        cols = [Col(self.t("master-col-source"), 10, lambda r: r.department)]
        cols += self.field_cols(table.columns(self.ws.department_names()))
        cols.append(Col(self.t("master-col-overdue"), 9, lambda r: yes if r.overdue else no))
        last = self.table(sheet, HEADER_ROW, cols, self.plan.issues, freeze=(HEADER_ROW + 1, 2))
        keys = [f.key for f in table.fields]
        first = HEADER_ROW + 1
        self.colour_by(sheet, first, last, 1 + keys.index("impact"), "impact")
        self.colour_by(sheet, first, last, 1 + keys.index("status"), "issue_status")
        self.colour_values(sheet, first, last, len(cols) - 1, {yes: "#FFC7CE"})

    def actions(self) -> None:
        sheet = self.sheet("actions")
        self.heading(sheet, self.t("master-sheet-actions"), self.subtitle())
        form = self.catalog.form("minutes")
        card = [f for f in form.fields if f.key in ("meeting_name", "meeting_type", "date")]
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        cols = [Col(self.t("master-col-source"), 10, lambda r: r.department)]
        cols += self.field_cols([_renamed(f) for f in card])
        table = form.table("actions")
        cols += self.field_cols(table.columns(self.ws.department_names()))
        cols.append(Col(self.t("master-col-overdue"), 9, lambda r: yes if r.overdue else no))
        last = self.table(sheet, HEADER_ROW, cols, self.plan.actions, freeze=(HEADER_ROW + 1, 2))
        status_col = 1 + len(card) + [f.key for f in table.fields].index("status")
        self.colour_by(sheet, HEADER_ROW + 1, last, status_col, "status")
        self.colour_values(sheet, HEADER_ROW + 1, last, len(cols) - 1, {yes: "#FFC7CE"})

    def submissions(self) -> None:
        sheet = self.sheet("submissions")
        self.heading(sheet, self.t("master-sheet-submissions"), self.subtitle())
        cols = [Col(self.t("master-col-department"), 10, lambda i: i.department),
                Col(self.t("master-col-file"), 30, lambda i: i.file),
                Col(self.t("master-col-received"), 17, lambda i: i.received),
                Col(self.t("master-col-version"), 8, lambda i: i.version, "int"),
                Col(self.t("master-col-result"), 12, lambda i: self.t(f"master-result-{i.result}")),
                Col(self.t("master-col-errors"), 8, lambda i: i.errors, "int"),
                Col(self.t("master-col-warnings"), 8, lambda i: i.warnings, "int"),
                Col(self.t("master-col-tasks"), 8, lambda i: i.tasks, "int"),
                Col("SHA-256", 20, lambda i: i.sha256[:16])]
        last = self.table(sheet, HEADER_ROW, cols, self.plan.submissions, freeze=(HEADER_ROW + 1, 1))
        self.colour_values(sheet, HEADER_ROW + 1, last, 4, {
            self.t(f"master-result-{result}"): colour
            for result, colour in (("accepted", "#C6EFCE"), ("warnings", "#FFEB9C"), ("rejected", "#FFC7CE"))})


def _renamed(f: Field) -> Field:
    """Minutes card fields as action-item columns: 'date' becomes the meeting date."""
    from dataclasses import replace

    return replace(f, key=f.key if f.key.startswith("meeting") else f"meeting_{f.key}")


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h or "-"
        n = seen.get(h.casefold(), 0)
        seen[h.casefold()] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out


def _kind(f: Field) -> str:
    return {"date": "date", "percent": "pct", "integer": "int"}.get(f.type, "text")


def _label(labels: dict[str, str], code: object) -> str | None:
    if code is None or code == "":
        return None
    return labels.get(str(code), str(code))


def _weeks(plan: MasterPlan) -> list[dt.date]:
    """Mondays from the first start to the last due date (at most MAX_WEEKS), with as_of in range."""
    starts = [t.start for t in plan.tasks if isinstance(t.start, dt.date)]
    dues = [t.due for t in plan.tasks if isinstance(t.due, dt.date)]
    if not starts and not dues:
        return []
    first = min(starts + dues + [plan.as_of])
    last = max(starts + dues + [plan.as_of])
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last and len(weeks) < MAX_WEEKS:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def write_master(plan: MasterPlan, ws: Workspace, out_path: Path | str, lang: str | None = None) -> WriteResult:
    """Write atomically: a temp file beside the target, renamed into place.

    If the target cannot be replaced (open in Excel on a share: PermissionError), the new
    master is kept beside it under a timestamped name and the result says so.
    """
    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~xlflow-", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        MasterWriter(plan, ws, tmp, lang or ws.lang).write()
        os.chmod(tmp, 0o644)
        try:
            os.replace(tmp, target)
            return WriteResult(target, False, target)
        except PermissionError:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            beside = target.with_name(f"{target.stem}-{stamp}{target.suffix}")
            os.replace(tmp, beside)
            return WriteResult(beside, True, target)
    finally:
        tmp.unlink(missing_ok=True)
