"""MasterPlan → the master workbook (xlsxwriter): dashboard, master WBS, timeline, delays,
dependencies, RACI, issues, action items, submissions.

Department text is untrusted and is only ever written as a string cell: shared strings
(t="s"), never a formula, with Excel's quote prefix on text that begins with = + - @ so
that it stays text when a coordinator edits the cell. Status and health colours are
conditional formats on the label columns, so changing a status in Excel recolours it.

Speed: xlsxwriter spends ~10 µs per cell (50,000 tasks × 25 columns = 12 s). Large
tables therefore go through `_FastSheet.bulk()`, which renders each row's <c> elements
once, straight into the row list xlsxwriter writes out, using xlsxwriter's own shared
string table and formats. Everything else (tables, conditional formats, validation,
charts, print setup) is plain xlsxwriter API.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
import tempfile
from dataclasses import dataclass
from functools import partial
from itertools import starmap
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_range, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from . import layout
from .config import Workspace
from .i18n import Phrase, msg
from .plan import STATUSES, MasterPlan
from .spec import Field, load_catalog
from .xlsxpack import FastWorkbook

SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")  # text Excel would read as a formula when re-edited
MAX_TEXT = 32767
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
MAX_WEEKS = 104
EMPTY_TAIL = '"/>'  # <c r="B5"/>: an empty cell keeps every row's cells in one fixed template
BULK_CHUNK = 4096  # rows rendered at a time: bounded memory for the column-wise lists
HEADER_ROW = 3  # 0-based row of a sheet's first table header: title, subtitle, blank line above it
FONT = {"font_name": "Microsoft YaHei", "font_size": 10}


@dataclass
class WriteResult:
    path: Path  # where the master actually is
    locked: bool = False  # the target was open elsewhere; `path` is a timestamped file beside it
    target: Path | None = None


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    get: Callable[[object], object]  # the item's raw value (a code, a date, an ID tuple...)
    kind: str = "text"  # text | date | datetime | int | pct
    show: Callable[[object], object] | None = None  # raw value -> what the cell shows (label, joined IDs)


class _FastSheet(Worksheet):
    """A worksheet that also takes pre-rendered rows (see module doc). Relies on xlsxwriter's
    row writer hooks (_write_rows, _write_row, _write_cell), pinned by the tests that read back."""

    def __init__(self) -> None:
        super().__init__()
        self._bulk: dict[int, str] = {}  # row -> <row r=".."> and its <c> elements

    def bulk(self, first_row: int, cols: list[Col], items: Iterable[object], styles: "_Styles",
             first_col: int = 0) -> int:
        """Write one row per item from row `first_row` on; returns the number of rows written.

        A cell is `<c r="` + column letters + row number + a tail (style, type, value). The tail
        depends only on the column and the raw value, so it is rendered once per distinct value
        of a column (labels, dates, departments repeat thousands of times) and looked up after;
        columns that show values the same way share what was rendered (task IDs are on four sheets).
        Work goes column by column over chunks of rows, and each row is one str.format of a
        template, so the per-cell steps are C-level maps rather than a Python loop body.
        """
        row_xml = ('<row r="{0}">' + "".join(f'<c r="{xl_col_to_name(first_col + i)}{{0}}{{{i + 1}}}'
                                             for i in range(len(cols))) + "</row>").format
        plan = [(c.get, styles.memo(c), self._renderer(c, styles)) for c in cols]
        items = items if isinstance(items, list) else list(items)
        by_key = any(type(c.get) is _value for c in cols)
        for start in range(0, len(items), BULK_CHUNK):
            chunk = items[start:start + BULK_CHUNK]
            rows = [str(first_row + start + i + 1) for i in range(len(chunk))]
            dicts = [item.values for item in chunk] if by_key else []
            tails = [_tails([d.get(get.key) for d in dicts] if type(get) is _value else list(map(get, chunk)),
                            memo, render) for get, memo, render in plan]
            self._bulk.update(zip(range(first_row + start, first_row + start + len(chunk)),
                                  starmap(row_xml, zip(rows, *tails))))
        if items:
            self._check_dimensions(first_row, first_col)
            self._check_dimensions(first_row + len(items) - 1, first_col + len(cols) - 1)
        return len(items)

    def _renderer(self, col: Col, styles: "_Styles") -> Callable[[object, dict | None], str]:
        """raw value -> cell tail (EMPTY_TAIL for an empty cell), remembered in `memo` (see _tails)."""
        show, number_xf = col.show, styles.xf_for_kind(col.kind)
        text_xf, quote_xf = styles.xf("text"), styles.xf("text_quote")
        date_xf, datetime_xf = styles.xf("date"), styles.xf("datetime")
        sst = self.str_table._get_shared_string_index

        def text(value: str, xf: int) -> str:
            if len(value) > MAX_TEXT:
                value = value[:MAX_TEXT]
            if value[0] in RISKY_FIRST:
                xf = quote_xf
            if value.startswith("<r>") and value.endswith("</r>"):
                # xlsxwriter copies such a shared string verbatim (its rich-text form): inline it, escaped
                return f'" s="{xf}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
            return f'" s="{xf}" t="s"><v>{sst(value)}</v></c>'

        def tail(value: object) -> str:
            kind = type(value)
            if value is None or value == "":
                return EMPTY_TAIL
            if kind is str:
                return text(value, text_xf)
            if kind is dt.date:
                return f'" s="{date_xf}"><v>{value.toordinal() - EXCEL_EPOCH}</v></c>'
            if kind is bool:
                return f'" t="b"><v>{int(value)}</v></c>'
            if isinstance(value, dt.datetime):
                local = value.astimezone().replace(tzinfo=None) if value.tzinfo else value
                serial = local.toordinal() - EXCEL_EPOCH + (local.hour * 3600 + local.minute * 60
                                                            + local.second) / 86400
                return f'" s="{datetime_xf}"><v>{serial!r}</v></c>'
            if isinstance(value, dt.date):
                return f'" s="{date_xf}"><v>{value.toordinal() - EXCEL_EPOCH}</v></c>'
            if isinstance(value, (int, float)):
                if not math.isfinite(value):
                    return EMPTY_TAIL
                if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                    value = int(value)  # 1.0 and 1 are one memo key: make them one cell too
                return f'" s="{number_xf}"><v>{value!r}</v></c>'
            return text(str(value), quote_xf)

        plain = show in (None, _text) and col.kind == "text"

        def render(value: object, memo: dict | None) -> str:
            if (plain and type(value) is str and value and value[0] not in RISKY_FIRST
                    and len(value) <= MAX_TEXT and not value.startswith("<r>")):
                out = f'" s="{text_xf}" t="s"><v>{sst(value)}</v></c>'  # the usual case, without the detours
            else:
                out = tail(show(value) if show is not None else value)
            if memo is not None:
                memo[value] = out
            return out

        return render

    def add_big_table(self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> None:
        """add_table without its cell-by-cell overlap check (1.2 M look-ups for the master WBS):
        the table is declared over its header and first row, then given its real extent."""
        code = self.add_table(first_row, first_col, min(last_row, first_row + 1), last_col, options)
        if code not in (0, None):
            raise RuntimeError(f"xlsxwriter refused a table (code {code})")
        table = self.tables[-1]
        table["range"] = xl_range(first_row, first_col, last_row, last_col)
        table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
        if table.get("autofilter"):
            table["autofilter"] = table["a_range"]
        self._check_dimensions(last_row, last_col)

    def _write_rows(self) -> None:
        """Rows in order: xlsxwriter's own cells and our rendered ones, runs of plain rendered rows
        written in batches. No spans (optional in the format)."""
        if not self._bulk:
            return super()._write_rows()
        rows = sorted(set(self._bulk) | {r for r, cells in self.table.items() if cells}
                      | set(self.row_info) | set(self.comments))
        plain_height = self.default_row_height == self.original_row_height
        batch: list[str] = []
        for row_num in rows:
            info = self.row_info.get(row_num)
            cells = self.table.get(row_num)
            xml = self._bulk.pop(row_num, None)  # popped: a row's XML is freed once it is in the file
            if not cells and info is None and plain_height and xml is not None:  # the usual rendered row
                batch.append(xml)
                if len(batch) >= 2048:
                    self.fh.write("".join(batch))
                    batch.clear()
                continue
            if batch:
                self.fh.write("".join(batch))
                batch.clear()
            if not cells and xml is None:
                self._write_empty_row(row_num, None, info)
                continue
            self._write_row(row_num, None, info)
            for col_num in sorted(cells or ()):
                self._write_cell(row_num, col_num, cells[col_num])
            if xml:
                self.fh.write(xml[xml.index(">") + 1:-len("</row>")])  # the cells, inside xlsxwriter's <row>
            self._xml_end_tag("row")
        self.fh.write("".join(batch))


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = dict(FONT, valign="top")
        self.formats = {
            "title": wb.add_format(dict(FONT, bold=True, font_size=16, font_color="#1F4E78")),
            "subtitle": wb.add_format(dict(FONT, font_color="#595959")),
            "block": wb.add_format(dict(FONT, bold=True, font_size=12, font_color="#1F4E78")),
            "header": wb.add_format(dict(FONT, bold=True, font_color="#FFFFFF", bg_color="#1F4E78",
                                         text_wrap=True, valign="vcenter", border=1, border_color="#BFBFBF")),
            "text": wb.add_format(base),
            "text_quote": wb.add_format(dict(base, quote_prefix=True)),
            "date": wb.add_format(dict(base, num_format="yyyy-mm-dd", align="left")),
            "datetime": wb.add_format(dict(base, num_format="yyyy-mm-dd hh:mm", align="left")),
            "int": wb.add_format(dict(base, num_format="0")),
            "pct": wb.add_format(dict(base, num_format='0"%"')),
            "week": wb.add_format(dict(FONT, bold=True, num_format="mm-dd", rotation=90, align="center",
                                       font_size=8, bg_color="#DDEBF7", border=1, border_color="#BFBFBF")),
            "kpi": wb.add_format(dict(FONT, bold=True, font_size=14, font_color="#1F4E78", align="left")),
            "label": wb.add_format(dict(FONT, font_color="#595959")),
            "today": wb.add_format({"left": 2, "left_color": "#C00000", "right": 2, "right_color": "#C00000"}),
        }
        for f in self.formats.values():  # registered up front: bulk rows use their indexes directly
            f._get_xf_index()
        self.wb = wb
        self._fills: dict[str, object] = {}
        self._memos: dict[tuple, dict] = {}

    def memo(self, col: Col) -> dict:
        """Cell tails by raw value, shared by the columns that render values alike (same show and kind)."""
        return self._memos.setdefault((col.show, col.kind), {None: EMPTY_TAIL, "": EMPTY_TAIL})

    def __getitem__(self, name: str):
        return self.formats[name]

    def xf(self, name: str) -> int:
        return self.formats[name]._get_xf_index()

    def xf_for_kind(self, kind: str) -> int:
        return self.xf(kind if kind in ("int", "pct", "date", "datetime") else "int")

    def fill(self, colour: str):
        """A conditional-format fill, one per colour."""
        if colour not in self._fills:
            self._fills[colour] = self.wb.add_format({"bg_color": colour, "font_color": "#000000"})
        return self._fills[colour]


class MasterWriter:
    def __init__(self, plan: MasterPlan, ws: Workspace, path: Path, lang: str) -> None:
        self.plan, self.ws, self.lang = plan, ws, lang
        self.catalog = load_catalog()
        self.status = self.catalog.enums["status"]
        self.health = self.catalog.enums["health"]
        self.wb = FastWorkbook(str(path), SAFE_OPTIONS)
        self.wb.worksheet_class = _FastSheet
        self.styles = _Styles(self.wb)
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

    def sheet(self, key: str) -> _FastSheet:
        sheet = self.wb.add_worksheet(self.t(f"master-sheet-{key}"))
        self._key = key
        sheet.hide_gridlines(2)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(0.4, 0.4, 0.6, 0.6)
        sheet.set_footer(f"&L{self.ws.project.name(self.lang)}&C&A&R&P / &N")
        return sheet

    def heading(self, sheet: _FastSheet, title: str, subtitle: str | None = None) -> None:
        self._check(sheet.write_string(0, 0, title, self.styles["title"]), "title")
        sheet.set_row(0, 24)
        if subtitle:
            self._check(sheet.write_string(1, 0, subtitle, self.styles["subtitle"]), "subtitle")

    def table(self, sheet: _FastSheet, row: int, cols: list[Col], items: list, *, first_col: int = 0,
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

    def colour_by(self, sheet: _FastSheet, first_row: int, last_row: int, col: int, enum_key: str) -> None:
        """One conditional format per value of the enum on a label column: the legend of FORMS.md."""
        enum = self.catalog.enums[enum_key]
        for choice in enum.values:
            if not choice.colour:
                continue
            label = choice.label(self.lang).replace('"', '""')
            self._check(sheet.conditional_format(first_row, col, last_row, col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"',
                "format": self.styles.fill(choice.colour)}), "conditional format")

    def colour_values(self, sheet: _FastSheet, first_row: int, last_row: int, col: int,
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
        return [Col(f.label(self.lang), max(f.width, 8), _value(f.key), _kind(f), self._show(f)) for f in fields]

    def _show(self, f: Field) -> Callable[[object], object]:
        if f.type == "choice":
            return self.shows(f.choices)
        if f.type == "percent":
            return _number
        if f.type == "date":
            return _date
        return _text  # task_ids: "A-1, A-2"

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
        status_labels = [self.status.label_of(c, lang) for c in STATUSES]
        yes, no = self.label("yes_no", "yes"), self.label("yes_no", "no")
        cols = [Col(self.t("master-col-department"), 10, lambda d: d),
                Col(self.t("master-col-department-name"), 18, lambda d: dept_name.get(d, d)),
                Col(self.t("master-col-tasks"), 8, lambda d: plan.stats[d].tasks, "int")]
        cols += [Col(label, 9, (lambda code: lambda d: plan.stats[d].by_status[code])(code), "int")
                 for code, label in zip(STATUSES, status_labels)]
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
        overall_last = self.table(sheet, overall_top, overall_cols, list(STATUSES), print_rows=False)
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

    def _charts(self, sheet: _FastSheet, top: int, last: int, n: int, o_top: int, o_last: int, ncols: int) -> None:
        name = sheet.name
        bar = self.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for i, code in enumerate(STATUSES):
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
            "points": [{"fill": {"color": self.status.colour_of(c)}} for c in STATUSES],
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
                lambda t: ", ".join(p.task_id for p in t.predecessors if not p.done) or None),
            Col(self.t("master-col-successors-other"), 18,
                lambda t: ", ".join(s.task_id for s in t.successors if s.department != t.department) or None),
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
                    show=_text),
                Col(self.t("master-col-name"), 28, _value("name"), show=_text),
                Col(self.t("master-col-effective-status"), 10, attrgetter("effective_status"),
                    show=self.shows("status")),
                Col(self.t("master-col-start"), 11, attrgetter("start"), show=_date),
                Col(self.t("master-col-due"), 11, attrgetter("due"), show=_date)]
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
            w0 = xl_rowcol_to_cell(row, first_week_col, row_abs=True)  # e.g. G$4
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
                Col(wbs["task_id"].label(self.lang), 11, attrgetter("task_id"), show=_text),
                Col(wbs["name"].label(self.lang), 32, _value("name"), show=_text),
                Col(wbs["owner"].label(self.lang), 10, _value("owner"), show=_text),
                Col(self.t("master-col-effective-status"), 11, attrgetter("effective_status"), show=st),
                Col(wbs["status"].label(self.lang), 10, attrgetter("status"), show=st),
                Col(self.t("master-col-health"), 10, attrgetter("health"), show=hl),
                Col(wbs["due"].label(self.lang), 11, attrgetter("due"), show=_date),
                Col(self.t("master-col-days-late"), 9, attrgetter("days_late"), "int"),
                Col(wbs["reason"].label(self.lang), 32, _value("reason"), show=_text),
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
                     Col(self.t("master-col-name"), 30, lambda t: _text(t.values.get("name"))),
                     Col(self.t("master-col-effective-status"), 11, lambda t: _label(st, t.effective_status)),
                     Col(self.t("master-col-start"), 11, lambda t: _date(t.start)),
                     Col(self.t("master-col-due"), 11, lambda t: _date(t.due)),
                     Col(self.t("master-col-projected"), 12, lambda t: t.projected_finish)]
        c_top = row + 1
        last = self.table(sheet, c_top, crit_cols, plan.critical_path, print_rows=False)
        self.colour_by(sheet, c_top + 1, last, 3, "status")
        row = last + 2
        links = plan.cross_links
        self._check(sheet.write_string(row, 0, self.t("master-block-links", count=len(links)), s["block"]), "block")
        link_cols = [Col(self.t("master-col-pred-department"), 10, lambda l: l[0].department),
                     Col(self.t("master-col-pred-task"), 12, lambda l: l[0].task_id),
                     Col(self.t("master-col-pred-name"), 26, lambda l: l[0].values.get("name"), show=_text),
                     Col(self.t("master-col-pred-status"), 11, lambda l: l[0].effective_status, show=status),
                     Col(self.t("master-col-pred-due"), 11, lambda l: l[0].due, show=_date),
                     Col(self.t("master-col-succ-department"), 10, lambda l: l[1].department),
                     Col(self.t("master-col-succ-task"), 12, lambda l: l[1].task_id),
                     Col(self.t("master-col-succ-name"), 26, lambda l: l[1].values.get("name"), show=_text),
                     Col(self.t("master-col-succ-status"), 11, lambda l: l[1].effective_status, show=status),
                     Col(self.t("master-col-succ-start"), 11, lambda l: l[1].start, show=_date)]
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


_is_bool = bool.__instancecheck__  # a C-level isinstance(v, bool) for map()


def _tails(values: list, memo: dict, render) -> list[str]:
    """One column of a chunk: each value's cell tail, from the memo where it was rendered before.

    Numbers are remembered too (1 and 1.0 make the same cell) except in a chunk that holds a
    boolean: True == 1 would find the number's cell, so such a chunk renders every cell."""
    if any(map(_is_bool, values)):
        return [render(v, None) for v in values]
    try:
        tails = list(map(memo.get, values))
    except TypeError:  # an unhashable value (a list): render every cell, remember none
        return [render(v, None) for v in values]
    if None in tails:  # first sightings
        for i, tail in enumerate(tails):
            if tail is None:
                tails[i] = render(values[i], memo)
    return tails


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(value: str) -> str:
    """Text for an XML element: escaped, control characters as Excel's _xHHHH_ escapes."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


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


class _value:
    """The raw value of a spec field of a task or record: item.values.get(key). `bulk` reads
    such columns straight from the values dicts, without a call per cell."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, item: object) -> object:
        return item.values.get(self.key)  # type: ignore[attr-defined]


def _kind(f: Field) -> str:
    return {"date": "date", "percent": "pct", "integer": "int"}.get(f.type, "text")


def _label(labels: dict[str, str], code: object) -> str | None:
    if code is None or code == "":
        return None
    return labels.get(str(code), str(code))


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) or None
    return value if isinstance(value, str) else str(value)


def _number(value: object) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


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
