"""Spec → department workbook: instructions sheet, one sheet per form, hidden lists.

Every dropdown, hint, validation, width and label comes from the form specs.
Input sheets carry no formulas (LibreOffice would show xlsxwriter's cached 0),
department ids and versions are stamped as strings, and `data` can prefill
rows so the samples and benchmarks are made by the same code users get.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import SpecError, UsageError
from ..i18n import Phrase, msg
from ..spec import layout
from ..spec.catalog import Catalog, Field, Form, Table, load_catalog
from ..spec.fields import ValidationContext, field_type
from ..store.atomic import atomic_path
from ..xlsx.book import cell_name, col_name, new_workbook

SPARE_ROWS = 20  # blank rows kept below prefilled data so a filled sample can still grow
INSTRUCTION_WIDTHS = (22, 70)  # the instructions sheet's label and text columns


def display_width(text: str) -> int:
    """Column width Excel needs: CJK and full-width characters take two units."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit_row(sheet, row: int, text: str, width: float) -> None:
    """Wrapped text needs a taller row: neither Excel nor LibreOffice grows a row written by
    xlsxwriter, so a long line would be cut off or run over the next row."""
    lines = math.ceil(display_width(text) * 0.85 / width)  # 10-pt text is narrower than a width unit
    if lines > 1:
        sheet.set_row(row, 15 * lines)


@dataclass
class _Formats:
    title: object
    subtitle: object
    subtitle_wrap: object
    note: object
    label: object
    label_required: object
    header: object
    header_required: object
    block_title: object
    input_text: object
    input_wrap: object
    input_date: object
    input_number: object
    input_percent: object
    cell: object
    card_date: object  # a card's value sits in a wide merged cell: left, next to its label
    card_number: object
    card_percent: object

    @classmethod
    def make(cls, wb) -> _Formats:
        base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}

        def f(**kw):
            return wb.add_format({**base, **kw})

        unlocked = {"locked": False, "border": 1, "border_color": "#BFBFBF"}
        return cls(
            title=f(bold=True, font_size=16, font_color="#1F3864"),
            subtitle=f(font_color="#404040"),
            subtitle_wrap=f(font_color="#404040", text_wrap=True),
            note=f(italic=True, font_color="#7F7F7F"),
            label=f(bold=True, bg_color="#F2F2F2", border=1, border_color="#BFBFBF"),
            label_required=f(bold=True, bg_color="#FCE4D6", border=1, border_color="#BFBFBF"),
            header=f(bold=True, bg_color="#D9E1F2", border=1, text_wrap=True),
            header_required=f(bold=True, bg_color="#FCE4D6", border=1, text_wrap=True),
            block_title=f(bold=True, font_size=12, font_color="#1F3864"),
            input_text=f(num_format="@", **unlocked),
            input_wrap=f(num_format="@", text_wrap=True, valign="top", **unlocked),
            input_date=f(num_format="yyyy-mm-dd", **unlocked),
            input_number=f(num_format="0", **unlocked),
            # General, not "0": a typed "50%" then becomes 0.5 shown as 50% (read back as 50);
            # a "0" format would keep 0.5 and show it rounded as 1.
            input_percent=f(num_format="General", **unlocked),
            cell=f(border=1, border_color="#BFBFBF", text_wrap=True),
            card_date=f(num_format="yyyy-mm-dd", align="left", **unlocked),
            card_number=f(num_format="0", align="left", **unlocked),
            card_percent=f(num_format="General", align="left", **unlocked),
        )

    def input_for(self, field: Field) -> object:
        """The input format the field's type asks for (text, wrap, date, number or percent)."""
        return getattr(self, f"input_{field_type(field).input_format}")

    def card_for(self, field: Field) -> object:
        """The format of a card field's (merged, wide) input cell: numbers and dates to the left."""
        kind = field_type(field).input_format
        return getattr(self, f"card_{kind}") if kind in ("date", "number", "percent") else self.input_for(field)


class WorkbookWriter:
    """Writes one department's workbook; one instance per file."""

    def __init__(self, ws: Workspace, department: str, lang: str, path: Path, catalog: Catalog,
                 sharing: Sequence[str] = ()) -> None:
        dept = ws.department(department)
        if dept is None:
            raise UsageError("generate-unknown-department", code=department,
                             codes=", ".join(d.code for d in ws.departments))
        self.ws, self.dept, self.lang, self.catalog = ws, dept, lang, catalog
        self.sharing = tuple(sharing)  # "what others see of your plan": lines of the sharing list (share/)
        self.wb = new_workbook(path)
        self.fmt = _Formats.make(self.wb)
        self.lists = self._list_columns()
        self.list_names = {key: f"list_{key}" for key in self.lists}
        self.labels = {key: dict(zip(self._codes(key), values, strict=True)) for key, values in self.lists.items()}

    # -- helpers ------------------------------------------------------------
    def t(self, key: str, **params: object) -> str:
        return msg(key, self.lang, **params)

    def _check(self, code: int, what: str) -> None:
        """xlsxwriter refuses what the spec produced (a label too long for Excel, …): a broken spec."""
        if code not in (0, None):
            raise SpecError("spec-error", file="workbook_templates", key=what,
                            problem=Phrase("spec-problem-excel", code=code))

    def _lists_sheet(self) -> None:
        """Dropdown values on a hidden sheet, each behind a defined name (inline lists stop at 255 chars)."""
        sheet = self.wb.add_worksheet(layout.LISTS_SHEET)
        for col, (key, values) in enumerate(self.lists.items()):
            sheet.write_string(0, col, key)
            for row, value in enumerate(values, start=1):
                sheet.write_string(row, col, value)
            letter = col_name(col)
            self.wb.define_name(self.list_names[key],
                                f"='{layout.LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")
        sheet.protect()
        sheet.hide()

    def _list_columns(self) -> dict[str, list[str]]:
        columns = {key: enum.labels(self.lang) for key, enum in self.catalog.enums.items()}
        columns["department"] = [d.name(self.lang) for d in self.ws.departments]
        return columns

    def _codes(self, key: str) -> list[str]:
        """The codes behind a list's labels, in the same order (_list_columns)."""
        if key == "department":
            return [d.code for d in self.ws.departments]
        return [c.code for c in self.catalog.enums[key].values]

    def _validation(self, field: Field, first_cell: tuple[int, int]) -> dict:
        """The data validation the field's type asks for, with its hint and an error that says what is allowed."""
        ctx = ValidationContext(self.lang, cell_name(*first_cell), self.dept.prefix, self.list_names,
                                self.lists.__getitem__, self._examples)
        return field_type(field).excel_validation(field, ctx)

    def _examples(self, text: str) -> str:
        """Hints give examples from this project: its codes, another department, its own names."""
        other = self._other_department()
        names = ("，" if self.lang == "zh" else ", ").join(d.name(self.lang) for d in [self.dept, other])
        return layout.project_examples(text, self.dept.code, other.code, self.ws.project.code, names)

    def _other_department(self):
        """The department after this one in the config (the first after the last): another's example."""
        codes = [d.code for d in self.ws.departments]
        return self.ws.departments[(codes.index(self.dept.code) + 1) % len(codes)]

    def _display(self, field: Field, value: object) -> object:
        """A prefilled value as a user would see it: enum codes and department codes become labels."""
        if value is None:
            return None
        kind = field_type(field)
        key = kind.list_key(field)
        return kind.display(value, self.labels.get(key) if key else None)

    def _write_value(self, sheet, row: int, col: int, field: Field, value: object, fmt: object = None) -> None:
        fmt = fmt or self.fmt.input_for(field)
        value = self._display(field, value)
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, (dt.date, dt.datetime)):
            sheet.write_datetime(row, col, value if isinstance(value, dt.datetime)
                                 else dt.datetime.combine(value, dt.time()), fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(row, col, value, fmt)
        else:
            self._check(sheet.write_string(row, col, str(value), fmt), f"text in {sheet.name}")

    # -- sheets --------------------------------------------------------------
    def instructions(self) -> None:
        sheet = self.wb.add_worksheet(layout.INSTRUCTIONS_SHEET[self.lang])
        sheet.hide_gridlines(2)
        sheet.set_column(0, 0, 4)
        sheet.set_column(1, 1, INSTRUCTION_WIDTHS[0])
        sheet.set_column(2, 2, INSTRUCTION_WIDTHS[1])
        p, dept, f = self.ws.project, self.dept, self.fmt
        lead = self.ws.department(p.lead_department)
        inbox = self.ws.shown_drop_folder(self.dept.code)
        sheet.write_string(0, 1, self.t("gen-instructions-title", project=p.name(self.lang)), f.title)
        sheet.set_row(0, 26)  # room for the 16-pt title
        sheet.write_string(1, 1, self._project_line(), f.subtitle)
        row = 3
        sheet.write_string(row, 1, self.t("gen-steps-heading"), f.block_title)
        for i, step in enumerate(self.t("gen-steps", prefix=f"{dept.prefix}-", inbox=str(inbox),
                                        example=f"{self._other_department().code}-001",
                                        file=workbook_name(self.ws, self.dept.code, self.lang)).split("\n"), start=1):
            row += 1
            sheet.write_number(row, 0, i, f.subtitle)
            sheet.merge_range(row, 1, row, 2, step, f.subtitle_wrap)
            _fit_row(sheet, row, step, sum(INSTRUCTION_WIDTHS))
        row += 2
        sheet.write_string(row, 1, self.t("gen-legend-heading"), f.block_title)
        for choice in self.catalog.enums["status"].values:
            row += 1
            swatch = self.wb.add_format({"bg_color": choice.colour, "border": 1, "bold": True,
                                         "font_name": "Microsoft YaHei", "font_size": 10})
            sheet.write_string(row, 1, choice.label(self.lang), swatch)
            sheet.write_string(row, 2, choice.meaning(self.lang) if choice.meaning else "", f.cell)
        row += 2
        sheet.write_string(row, 1, self.t("gen-raci-heading"), f.block_title)
        for choice in self.catalog.enums["raci"].values:
            row += 1
            sheet.write_string(row, 1, choice.code, f.label)
            sheet.write_string(row, 2, choice.meaning(self.lang) if choice.meaning else "", f.cell)
        row += 2
        sheet.write_string(row, 1, self.t("gen-sheets-heading"), f.block_title)
        for form in self.catalog.forms:
            row += 1
            sheet.write_string(row, 1, form.sheet(self.lang), f.label)
            text = f"{form.title(self.lang)} — {form.purpose(self.lang)}"
            sheet.write_string(row, 2, text, f.cell)
            _fit_row(sheet, row, text, INSTRUCTION_WIDTHS[1])
        row = self._sharing(sheet, row)
        row += 2
        sheet.write_string(row, 1, self.t("gen-contact-heading"), f.block_title)
        row += 1
        contact = ", ".join(x for x in (lead.contact, lead.email) if x) if lead else ""
        sheet.merge_range(row, 1, row, 2, self.t("gen-contact", lead=lead.name(self.lang) if lead else "",
                                                  contact=contact or "-"), f.subtitle)
        row += 1
        sheet.merge_range(row, 1, row, 2, self.t("gen-required-note"), f.note)
        sheet.protect("", {"format_columns": True, "format_rows": True})
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.activate()

    def _sharing(self, sheet, row: int) -> int:
        """The sharing list as it concerns this department, when the caller gave it."""
        if not self.sharing:
            return row
        row += 2
        sheet.write_string(row, 1, self.t("share-instructions-heading"), self.fmt.block_title)
        for line in (self.t("share-instructions-intro"), *self.sharing):
            row += 1
            sheet.merge_range(row, 1, row, 2, line, self.fmt.subtitle_wrap)
            _fit_row(sheet, row, line, sum(INSTRUCTION_WIDTHS))
        return row

    def _project_line(self) -> str:
        p = self.ws.project
        return self.t("gen-project-line", project=p.name(self.lang), code=p.code,
                      department=self.dept.name(self.lang), dept_code=self.dept.code,
                      start=p.start.isoformat(), end=p.end.isoformat())

    def form_sheet(self, form: Form, data: dict | None) -> None:
        sheet = self.wb.add_worksheet(form.sheet(self.lang))
        f = self.fmt
        tables = [(t, t.columns(self.ws.department_names())) for t in form.tables]
        ncols = max([len(cols) for _, cols in tables] + [4])
        self._set_widths(sheet, form, tables)
        sheet.merge_range(layout.TITLE_ROW, 0, layout.TITLE_ROW, ncols - 1, form.title(self.lang), f.title)
        sheet.set_row(layout.TITLE_ROW, 26)
        sheet.merge_range(layout.PROJECT_ROW, 0, layout.PROJECT_ROW, ncols - 1, self._project_line(), f.subtitle)
        sheet.merge_range(layout.PROJECT_ROW + 1, 0, layout.PROJECT_ROW + 1, ncols - 1,
                          f"{form.purpose(self.lang)}  {self.t('gen-required-note')}", f.note)
        row = layout.FIRST_CONTENT_ROW
        card = (data or {}).get("card", {})
        if form.id in layout.PREFILLED_FORMS:  # the project's name and code, unless the data says otherwise
            project = {"name": self.ws.project.name(self.lang), "code": self.ws.project.code}
            card = {**{k: project[v] for k, v in layout.PROJECT_PREFILL.items()}, **card}
        for field in form.fields:
            label = field.label(self.lang) + (" *" if field.required else "")
            sheet.write_string(row, 0, label, f.label_required if field.required else f.label)
            last = max(ncols - 1, 3)
            fmt = f.card_for(field)
            sheet.merge_range(row, 1, row, last, None, fmt)
            self._write_value(sheet, row, 1, field, card.get(field.key), fmt)
            self._check(sheet.data_validation(row, 1, row, 1, self._validation(field, (row, 1))), field.key)
            if field.type == "longtext":
                sheet.set_row(row, 48)
            row += 1
        header_rows: list[int] = []
        for table, columns in tables:
            if form.fields or header_rows:
                row += 1
            rows = (data or {}).get("tables", {}).get(table.id, [])
            header_rows.append(row + 1)
            row = self._table(sheet, form, table, columns, row, rows)
        freeze = header_rows[0] + 1 if len(header_rows) == 1 and len(form.fields) <= 1 else layout.PROJECT_ROW + 1
        sheet.freeze_panes(freeze, 0)
        sheet.protect("", {"insert_rows": True, "delete_rows": True, "format_columns": True,
                           "format_rows": True, "sort": True, "autofilter": True})
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        if header_rows:
            sheet.repeat_rows(header_rows[0], header_rows[0])

    def _set_widths(self, sheet, form: Form, tables: list[tuple[Table, tuple[Field, ...]]]) -> None:
        widths: dict[int, float] = {0: 8}
        if form.fields:
            widths[0] = max(display_width(fl.label(self.lang)) + 4 for fl in form.fields)
        for _, columns in tables:
            for col, field in enumerate(columns):
                widths[col] = max(widths.get(col, 0), field.width, display_width(field.label(self.lang)) + 2)
        for col, width in widths.items():
            sheet.set_column(col, col, min(width, 70))

    def _table(self, sheet, form: Form, table: Table, columns: tuple[Field, ...], row: int, rows: list) -> int:
        """Title row, then an Excel table: header row + prepared input rows. Returns the next free row."""
        f = self.fmt
        sheet.write_string(row, 0, table.title(self.lang), f.block_title)
        header = row + 1
        n_rows = max(table.rows, len(rows) + SPARE_ROWS if rows else table.rows)
        first, last = header + 1, header + n_rows
        for r in range(n_rows):
            values = rows[r] if r < len(rows) else {}
            for c, field in enumerate(columns):
                self._write_value(sheet, first + r, c, field, values.get(field.key))
        self._check(sheet.add_table(header, 0, last, len(columns) - 1, {
            "name": f"xl_{form.id}_{table.id}",
            "style": "Table Style Light 1",
            "columns": [{"header": fl.label(self.lang),
                         "header_format": f.header_required if fl.required else f.header} for fl in columns],
        }), f"table {table.id}")
        sheet.set_row(header, 30)
        for c, field in enumerate(columns):
            self._check(sheet.data_validation(first, c, last, c, self._validation(field, (first, c))),
                        f"validation {field.key}")
        return last + 1

    def write(self, data: dict | None) -> None:
        p = self.ws.project
        forms = self.catalog.forms
        self.wb.set_properties({"title": f"{p.name(self.lang)} — {self.dept.name(self.lang)}",
                                "subject": p.code, "author": "xlflow", "company": p.name(self.lang),
                                "comments": self.t("gen-properties-comment")})
        stamps = {layout.PROP_DEPARTMENT: self.dept.code, layout.PROP_PROJECT: p.code,
                  layout.PROP_SPEC_VERSION: self.catalog.version, layout.PROP_LANG: self.lang,
                  layout.PROP_FORMS: ",".join(fm.id for fm in forms), layout.PROP_KIND: "department-workbook"}
        for name, value in stamps.items():
            self.wb.set_custom_property(name, value, "text")
        self.wb.define_name(layout.NAME_DEPARTMENT, f'="{self.dept.code}"')
        self.wb.define_name(layout.NAME_PROJECT, f'="{p.code}"')
        self.wb.define_name(layout.NAME_SPEC_VERSION, f'="{self.catalog.version}"')
        self.instructions()
        for form in forms:
            self.form_sheet(form, (data or {}).get(form.id))
        self._lists_sheet()
        self.wb.close()


def generate_workbook(ws: Workspace, department: str, lang: str | None, out_path: Path,
                      data: dict | None = None, catalog: Catalog | None = None, sharing: Sequence[str] = ()) -> Path:
    """Write `department`'s workbook to `out_path` atomically; `data` prefills forms (see module doc);
    `sharing`: the lines of the sharing list that concern the department (share.log.list_lines)."""
    with atomic_path(out_path) as tmp:
        WorkbookWriter(ws, department, lang or ws.lang, tmp, catalog or load_catalog(), sharing).write(data)
    return Path(out_path)


def workbook_name(ws: Workspace, department: str, lang: str | None = None) -> str:
    """The department workbook's file name (spec/layout.workbook_file_name: the one rule, findings use it too)."""
    dept = ws.department(department)
    if dept is None:
        raise UsageError("generate-unknown-department", code=department,
                         codes=", ".join(d.code for d in ws.departments))
    lang = lang or ws.lang
    return layout.workbook_file_name(ws.project.code, dept.code, dept.name(lang), lang)
