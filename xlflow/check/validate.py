"""Filled workbook + form specs → Submission: clean data and cell-precise findings.

Bad content never raises: every problem is a Finding with a stable code, the
sheet and cell, the field's label and the value. Per-field checks come from the
spec (type, required, choices, range, length, pattern); the few rules that
span fields are small named functions below (`rule_*`). Sheets are found by
name or by content, headers by their labels (zh or en, full-width folded),
so reordered or extra columns, renamed sheets and blank rows are tolerated.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Workspace
from ..errors import UnreadableWorkbook
from ..findings import ERROR, WARNING, Finding, Report
from ..i18n import msg
from ..spec import layout
from ..spec.catalog import Catalog, Field, Form, Table, load_catalog
from ..xlsx.limits import DATE_MAX, DATE_MIN, SERIAL_MAX, TEXT_LIMIT
from ..xlsx.read import (
    MAX_ROWS,
    Cell,
    RawWorkbook,
    Sheet,
    cell_ref,
    col_letter,
    label_key,
    parse_ref,
    read_workbook,
    sha256_of,
)
from .model import FormData, Row, Submission, WorkbookData

ID_FIELDS = ("task_id", "issue_id", "change_id")  # must be unique within their table
TASK_ID_RE = re.compile(r"^([A-Z][A-Z0-9]{1,7})-([A-Z0-9]+(?:[._-][A-Z0-9]+)*)$")
ID_SPLIT_RE = re.compile(r"[,;、/\s]+")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TEXT_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                          r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# Formulas that reach outside the workbook: web calls, links, DDE, external workbook references.
OUTSIDE_RE = re.compile(
    r"(?i)\b(HYPERLINK|WEBSERVICE|FILTERXML|IMPORT(?:XML|HTML|DATA|FEED|RANGE)|IMAGE|RTD|CALL|REGISTER(?:\.ID)?|EXEC)\s*\("
    r"|\[\d+\]|\[[^\]]*\.(?:xl|csv|od)|'[^']*[\\/][^']*'!|\w+\|")
STARTED = ("in_progress", "not_started")


@dataclass
class _Ctx:
    """What the checks of one file share."""

    ws: Workspace
    catalog: Catalog
    raw: RawWorkbook
    lang: str
    report: Report = field(default_factory=Report)
    department: str | None = None
    _lookups: dict = field(default_factory=dict)

    def lookup(self, kind: str, text: str) -> str | None:
        """Enum code or department code for typed text; memoised (a column repeats the same few values)."""
        key = (kind, text)
        if key not in self._lookups:
            if kind == "department":
                self._lookups[key] = self.ws.find_department(text)
            else:
                self._lookups[key] = self.catalog.enums[kind].lookup(text)
        return self._lookups[key]

    def add(self, code: str, severity: str = ERROR, sheet: str | None = None, cell: str | None = None,
            fld: Field | None = None, value: object = None, **params: object) -> None:
        label = fld.label(self.lang) if fld is not None else None
        self.report.add(Finding(code, severity, sheet, cell, label, value, params))


# -- entry points ---------------------------------------------------------------------------------
def check_file(path: Path, ws: Workspace, received: dt.datetime | None = None,
               catalog: Catalog | None = None) -> Submission:
    """Read and check one submitted file. Never raises for bad content: an unreadable file gives
    one finding and data=None."""
    path = Path(path)
    catalog = catalog or load_catalog()
    try:
        raw = read_workbook(path)
    except UnreadableWorkbook as exc:
        try:
            sha = sha256_of(path.read_bytes())
        except OSError:
            sha = ""
        report = Report([Finding(exc.code, ERROR, value=path.name, params=dict(exc.params))])
        return Submission(path, sha, report, None, None, received)
    return check_workbook(raw, ws, received, catalog)


def check_workbook(raw: RawWorkbook, ws: Workspace, received: dt.datetime | None = None,
                   catalog: Catalog | None = None) -> Submission:
    catalog = catalog or load_catalog()
    ctx = _Ctx(ws, catalog, raw, _workbook_lang(raw, catalog, ws))
    sub = Submission(raw.path, raw.sha256, ctx.report, None, None, received)
    if raw.macros:
        ctx.add("macros-ignored", WARNING)
    if not raw.sheets:
        ctx.add("no-sheets", file=raw.path.name)
        return sub
    located = locate_forms(raw, catalog, ws)
    if not located:
        stamped = raw.stamp(layout.PROP_PROJECT, layout.NAME_PROJECT)
        ctx.add("no-form-sheets" if stamped else "not-xlflow-workbook", template=_template_name(ws, None, ctx.lang))
        return sub
    if not _identity(ctx, located):
        return sub
    sub.department = ctx.department
    forms: dict[str, FormData] = {}
    for form in catalog.forms:
        sheet = located.get(form.id)
        if sheet is None:
            ctx.add("sheet-missing", ERROR if form.id == "wbs" else WARNING, form=form.sheet(ctx.lang))
            continue
        if sheet.truncated:
            ctx.add("too-many-rows", sheet=sheet.name, limit=f"{_max_rows():,}")
        forms[form.id] = FormReader(ctx, form, sheet, received).read()
    sub.data = WorkbookData(ctx.department, raw.stamp(layout.PROP_PROJECT, layout.NAME_PROJECT),
                            raw.stamp(layout.PROP_SPEC_VERSION, layout.NAME_SPEC_VERSION), forms)
    ctx.report.findings.sort(key=_reading_order([s.name for s in raw.sheets]))
    return sub


def _reading_order(sheet_names: list[str]):
    """Findings as a person reads the workbook: sheet by sheet, then row by row, left to right."""
    position = {name: i for i, name in enumerate(sheet_names)}

    def key(f: Finding) -> tuple:
        row_col = parse_ref(f.cell) if f.cell else None
        return (f.sheet is not None, position.get(f.sheet, len(position)), row_col or (0, 0))

    return key


def task_rows(sub: Submission) -> tuple[Row, ...]:
    """The WBS task rows of a checked submission, for the merge (empty when unreadable)."""
    return sub.data.rows("wbs", "tasks") if sub.data is not None else ()


def _max_rows() -> int:
    return MAX_ROWS


# -- which sheet is which form, and whose workbook is it ------------------------------------------
def locate_forms(raw: RawWorkbook, catalog: Catalog, ws: Workspace) -> dict[str, Sheet]:
    """Form id -> sheet: by the sheet's name (zh or en), else by its content (labels and headers),
    because people rename sheets."""
    found: dict[str, Sheet] = {}
    by_name = {label_key(s.name): s for s in raw.sheets}
    for form in catalog.forms:
        for name in (form.sheet.zh, form.sheet.en):
            sheet = by_name.get(label_key(name))
            if sheet is not None and sheet not in found.values():
                found[form.id] = sheet
                break
    depts = ws.department_names()
    for form in catalog.forms:
        if form.id in found:
            continue
        labels = _form_labels(form, depts)
        best, best_score = None, 0
        for sheet in raw.sheets:
            if sheet in found.values():
                continue
            score = len({labels[k] for cell in sheet.cells.values()
                         if isinstance(cell.value, str) and (k := label_key(cell.value)) in labels})
            if score > best_score:
                best, best_score = sheet, score
        if best is not None and best_score >= min(3, len(set(labels.values()))):
            found[form.id] = best
    return found


def _form_labels(form: Form, depts) -> dict[str, str]:
    """Normalised label -> a key unique within the form, for content matching (not per-department columns)."""
    out = {}
    for f in form.fields:
        out.update({label_key(f.label.zh): f"card:{f.key}", label_key(f.label.en): f"card:{f.key}"})
    for table in form.tables:
        for f in table.fields:
            if not f.per_department:
                out.update({label_key(f.label.zh): f"{table.id}:{f.key}", label_key(f.label.en): f"{table.id}:{f.key}"})
        out.update({label_key(table.title.zh): f"title:{table.id}", label_key(table.title.en): f"title:{table.id}"})
    out.update({label_key(form.title.zh): "title", label_key(form.title.en): "title"})
    return out


def _workbook_lang(raw: RawWorkbook, catalog: Catalog, ws: Workspace) -> str:
    stamped = raw.properties.get(layout.PROP_LANG)
    if stamped in ("zh", "en"):
        return stamped
    names = {label_key(s.name) for s in raw.sheets}
    for form in catalog.forms:
        if label_key(form.sheet.en) in names:
            return "en"
        if label_key(form.sheet.zh) in names:
            return "zh"
    return ws.lang


_HEADER_DEPT_RE = re.compile(r"[（(]\s*([A-Z][A-Z0-9]{1,7})\s*[)）]")


def _identity(ctx: _Ctx, located: dict[str, Sheet]) -> bool:
    """Department, project and template version from the workbook itself; False stops the check."""
    raw, ws = ctx.raw, ctx.ws
    project = raw.stamp(layout.PROP_PROJECT, layout.NAME_PROJECT)
    dept = raw.stamp(layout.PROP_DEPARTMENT, layout.NAME_DEPARTMENT)
    if dept is None:
        dept = _department_from_header(ctx, located)
    code = ws.find_department(dept) if dept else None
    if project is not None and project != ws.project.code:
        ctx.add("wrong-project", value=project, project=ws.project.code,
                template=_template_name(ws, code, ctx.lang))
        return False
    version = raw.stamp(layout.PROP_SPEC_VERSION, layout.NAME_SPEC_VERSION)
    if version is not None and _version(version) < _version(ctx.catalog.min_compatible):
        ctx.add("outdated-template", value=version, version=ctx.catalog.version,
                template=_template_name(ws, code, ctx.lang))
        return False
    if dept is None:
        ctx.add("department-missing", template=_template_name(ws, None, ctx.lang))
        return False
    if code is None:
        ctx.add("unknown-department", value=dept, departments=", ".join(d.code for d in ws.departments))
        return False
    ctx.department = code
    return True


def _department_from_header(ctx: _Ctx, located: dict[str, Sheet]) -> str | None:
    """The project line under each form's title names the department: '部门：研发部（RD）'."""
    for sheet in located.values():
        for row in range(1, 6):
            text = sheet.value(row, 1)
            if not isinstance(text, str):
                continue
            for m in _HEADER_DEPT_RE.finditer(unicodedata.normalize("NFKC", text)):
                if ctx.ws.department(m.group(1)):
                    return m.group(1)
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", str(text).strip()) if p)


def _template_name(ws: Workspace, dept: str | None, lang: str) -> str:
    if dept and ws.department(dept):
        d = ws.department(dept)
        return f"{ws.project.code}_{d.code}_{d.name(lang)}.xlsx"
    return f"{ws.project.code}_<{'部门' if lang == 'zh' else 'DEPT'}>.xlsx"


# -- one form: card fields and tables -------------------------------------------------------------
class FormReader:
    """Reads one form's sheet into FormData, adding findings for every bad cell."""

    def __init__(self, ctx: _Ctx, form: Form, sheet: Sheet, received: dt.datetime | None) -> None:
        self.ctx, self.form, self.sheet, self.received = ctx, form, sheet, received
        self.rows = sorted({r for r, _ in sheet.cells})
        self.merges = sheet.merged

    def read(self) -> FormData:
        headers = self._find_headers()
        first_header = min((h for h, _ in headers.values() if h), default=None)
        card, card_cells, card_raw = self._card(first_header)
        tables = {}
        titles = {label_key(t.title.zh) for t in self.form.tables} | {label_key(t.title.en) for t in self.form.tables}
        header_rows = sorted(h for h, _ in headers.values() if h)
        for table in self.form.tables:
            header, mapping = headers[table.id]
            if header is None:
                self.ctx.add("table-missing", sheet=self.sheet.name, table=table.title(self.ctx.lang))
                tables[table.id] = ()
                continue
            end = next((h for h in header_rows if h > header), None)
            tables[table.id] = self._table(table, header, end, mapping, titles)
        used = any(v is not None for v in card_raw.values()) or any(tables.values())
        if used:
            for f in self.form.fields:
                if f.required and card.get(f.key) is None and card_raw.get(f.key) is None and f.key in card_cells:
                    self.ctx.add("required", sheet=self.sheet.name, cell=card_cells[f.key], fld=f)
        self._cross_rules(card, tables)
        return FormData(self.form.id, self.sheet.name, card, card_cells, tables)

    # headers ----------------------------------------------------------------------------------
    def _find_headers(self) -> dict[str, tuple[int | None, dict[int, Field]]]:
        out: dict[str, tuple[int | None, dict[int, Field]]] = {}
        start = 0
        depts = self.ctx.ws.department_names()
        for table in self.form.tables:
            columns = table.columns(depts)
            labels: dict[str, Field] = {}
            for f in columns:
                labels.setdefault(label_key(f.label.zh), f)
                labels.setdefault(label_key(f.label.en), f)
                if f.department:
                    labels.setdefault(label_key(f.department), f)
            need = max(1, min(len(columns), math.ceil(len(columns) * 0.5), 3 if len(columns) >= 3 else len(columns)))
            found = (None, {})
            for r in self.rows:
                if r <= start:
                    continue
                mapping: dict[int, Field] = {}
                for c, cell in self.sheet.row_cells(r).items():
                    if isinstance(cell.value, str):
                        f = labels.get(label_key(cell.value))
                        if f is not None and f not in mapping.values():
                            mapping[c] = f
                if len(mapping) >= need:
                    found = (r, mapping)
                    start = r
                    break
            out[table.id] = found
            if found[0] is not None:
                header, mapping = found
                missing = [f for f in columns if f.required and f not in mapping.values()]
                for f in missing:
                    self.ctx.add("column-missing", sheet=self.sheet.name, cell=cell_ref(header, 1), fld=f,
                                 table=table.title(self.ctx.lang))
        return out

    # card -------------------------------------------------------------------------------------
    def _card(self, limit: int | None) -> tuple[dict, dict, dict]:
        values, cells, raw = {}, {}, {}
        labels = {}
        for f in self.form.fields:
            labels.setdefault(label_key(f.label.zh), f)
            labels.setdefault(label_key(f.label.en), f)
        for (r, c), cell in sorted(self.sheet.cells.items()):
            if limit is not None and r >= limit - 1:
                break
            if not isinstance(cell.value, str):
                continue
            f = labels.get(label_key(cell.value))
            if f is None or f.key in cells:
                continue
            col = self._right_of(r, c)
            ref = cell_ref(r, col)
            cells[f.key] = ref
            target = self.sheet.cells.get((r, col))
            raw[f.key] = target  # None when the cell is empty
            values[f.key] = self._value(f, target, ref, required=False)
        for f in self.form.fields:
            if f.key not in cells:
                self.ctx.add("field-missing", WARNING if not f.required else ERROR, sheet=self.sheet.name, fld=f)
        return values, cells, raw

    def _right_of(self, row: int, col: int) -> int:
        for r1, c1, r2, c2 in self.merges:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return c2 + 1
        return col + 1

    # tables -----------------------------------------------------------------------------------
    def _table(self, table: Table, header: int, end: int | None, mapping: dict[int, Field],
               titles: set[str]) -> tuple[Row, ...]:
        fill = self._merged_fill(header, end, mapping)
        all_keys = [f.key for f in table.columns(self.ctx.ws.department_names())]
        letters = {c: col_letter(c) for c in mapping}  # cell refs are built for every cell: letters once
        sheet_cells = self.sheet.cells
        rows = []
        for r in self.rows:
            if r <= header or (end is not None and r >= end):
                continue
            cells = {c: fill.get((r, c)) or sheet_cells.get((r, c)) for c in mapping}
            present = [cell for cell in cells.values() if cell is not None]
            if not present:
                continue
            if len(present) == 1 and isinstance(present[0].value, str) and label_key(present[0].value) in titles:
                continue  # the next table's title row
            values, refs = {}, {}
            for c, f in mapping.items():
                ref = refs[f.key] = f"{letters[c]}{r}"
                cell = cells[c]
                if cell is None and not f.required:
                    values[f.key] = None  # the common empty optional cell: nothing to check
                else:
                    values[f.key] = self._value(f, cell, ref, required=f.required)
            for key in all_keys:
                values.setdefault(key, None)
            rows.append(Row(r, values, refs))
        return tuple(rows)

    def _merged_fill(self, header: int, end: int | None, mapping: dict[int, Field]) -> dict[tuple[int, int], Cell]:
        """Vertical merges inside a table: the top-left value counts for every row, with a warning."""
        fill: dict[tuple[int, int], Cell] = {}
        for r1, c1, r2, c2 in self.merges:
            if r2 == r1 or r1 <= header or (end is not None and r1 >= end) or c1 not in mapping:
                continue
            top = self.sheet.cells.get((r1, c1))
            self.ctx.add("merged-cells", WARNING, sheet=self.sheet.name, cell=f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}",
                         fld=mapping[c1])
            if top is not None:
                for r in range(r1 + 1, min(r2, r1 + 5000) + 1):
                    fill[(r, c1)] = top
        return fill

    # one cell ---------------------------------------------------------------------------------
    def _value(self, f: Field, cell: Cell | None, ref: str, required: bool) -> object:
        """The clean value of a cell for field `f`, or None (with a finding when it is wrong)."""
        add = self._adder(f, ref)
        if cell is not None and cell.formula is not None:
            if OUTSIDE_RE.search(cell.formula):
                add("external-formula", value=cell.formula)
                return None
            if not cell.cached:
                add("formula-no-value", value=cell.formula)
                return None
        if cell is not None and cell.error:
            add("cell-error", value=cell.value)
            return None
        value = None if cell is None else cell.value
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None:
            if required:
                add("required")
            return None
        parse = _PARSERS.get(f.type, _parse_text)
        return parse(self, f, value, cell, add)

    def _adder(self, f: Field, ref: str):
        def add(code: str, severity: str = ERROR, value: object = None, **params: object) -> None:
            self.ctx.add(code, severity, self.sheet.name, ref, f, value, **params)
        return add

    # cross-field rules ------------------------------------------------------------------------
    def _cross_rules(self, card: dict, tables: dict[str, tuple[Row, ...]]) -> None:
        ctx, name = self.ctx, self.sheet.name
        for table in self.form.tables:
            rule_unique_ids(ctx, name, tables.get(table.id, ()), _fields(table))
        if self.form.id == "wbs":
            rows, fields = tables.get("tasks", ()), _fields(self.form.table("tasks"))
            for rule in (rule_task_prefix, rule_due_before_start, rule_done_is_100, rule_100_is_done,
                         rule_reason_required, rule_predecessors):
                rule(ctx, name, rows, fields)
            if self.received is not None:
                rule_overdue(ctx, name, rows, fields, self.received.date())
        if self.form.id == "raci":
            rule_raci(ctx, name, tables.get("matrix", ()), _fields(self.form.table("matrix")))


def _fields(table: Table) -> dict[str, Field]:
    return {f.key: f for f in table.fields}


# -- value parsers (one per field type) -----------------------------------------------------------
def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _parse_text(reader: FormReader, f: Field, value: object, cell: Cell, add) -> str | None:
    text = _as_text(value)
    if CONTROL_RE.search(text):
        add("control-chars", value=CONTROL_RE.sub("�", text))
        return None
    limit = f.max_length or TEXT_LIMIT
    if len(text) > limit:
        add("too-long", value=text, length=f"{len(text):,}", max=f"{limit:,}")
        return None
    if f.pattern and not re.fullmatch(f.pattern, text):
        add("bad-format", value=text)
        return None
    return text


def _parse_task_id(reader: FormReader, f: Field, value: object, cell: Cell, add) -> str | None:
    text = _parse_text(reader, f, value, cell, add)
    if text is None:
        return None
    norm = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    if not TASK_ID_RE.match(norm):
        add("bad-task-id", value=text, prefix=reader.ctx.department or "RD")
        return None
    return norm


def _parse_task_ids(reader: FormReader, f: Field, value: object, cell: Cell, add) -> tuple[str, ...] | None:
    text = _parse_text(reader, f, value, cell, add)
    if text is None:
        return None
    out = []
    for token in ID_SPLIT_RE.split(unicodedata.normalize("NFKC", text).upper()):
        if not token:
            continue
        if not TASK_ID_RE.match(token):
            add("bad-task-id", value=token, prefix=reader.ctx.department or "RD")
            return None
        if token not in out:
            out.append(token)
    return tuple(out)


def _parse_date(reader: FormReader, f: Field, value: object, cell: Cell, add) -> dt.date | None:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value <= SERIAL_MAX:
            add("bad-date", value=value)
            return None
        day = serial_to_date(value, reader.ctx.raw.epoch_1904)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        m = TEXT_DATE_RE.match(text)
        if not m:
            add("bad-date", value=value)
            return None
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            add("impossible-date", value=value)
            return None
        if DATE_MIN <= day <= DATE_MAX:
            add("text-date", WARNING, value=value, date=day.isoformat())
    else:
        add("bad-date", value=value)
        return None
    if not DATE_MIN <= day <= DATE_MAX:
        add("date-out-of-range", value=day.isoformat())
        return None
    return day


def serial_to_date(serial: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date, in the 1900 (with its phantom 1900-02-29) or 1904 system."""
    days = int(serial)
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=days)
    return dt.date(1899, 12, 30 if days >= 61 else 31) + dt.timedelta(days=days)


def _number(value: object, cell: Cell) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        if "%" in (cell.number_format or ""):
            number *= 100
        return number
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return number  # "50%" typed as text in a percent field means 50, like "50"
    return None


def _parse_percent(reader: FormReader, f: Field, value: object, cell: Cell, add) -> float | None:
    number = _number(value, cell)
    if number is None:
        add("bad-number", value=value)
        return None
    if 0 < number < 1:  # "50%" typed into a whole-number cell of an older template arrives as 0.5
        add("percent-fraction", WARNING, value=_plain(number), guess=_plain(round(number * 100, 4)))
    return _in_range(f, round(number, 6), add)


def _parse_integer(reader: FormReader, f: Field, value: object, cell: Cell, add) -> int | None:
    number = _number(value, cell)
    if number is None or not number.is_integer():
        add("bad-number", value=value)
        return None
    result = _in_range(f, number, add)
    return None if result is None else int(result)


def _in_range(f: Field, number: float, add) -> float | None:
    lo = -math.inf if f.min is None else f.min
    hi = math.inf if f.max is None else f.max
    if not lo <= number <= hi:
        add("out-of-range", value=_plain(number), min=_plain(f.min), max=_plain(f.max))
        return None
    return float(number)


def _plain(number: float | None) -> str:
    if number is None:
        return "-"
    return str(int(number)) if float(number).is_integer() else str(number)


def _parse_choice(reader: FormReader, f: Field, value: object, cell: Cell, add) -> str | None:
    enum = reader.ctx.catalog.enum_of(f)
    text = _as_text(value)
    code = reader.ctx.lookup(f.choices, text) if enum else None
    if code is None:
        sep = "、" if reader.ctx.lang == "zh" else ", "
        add("bad-enum", value=text, allowed=sep.join(enum.labels(reader.ctx.lang)) if enum else "")
    return code


def _parse_department(reader: FormReader, f: Field, value: object, cell: Cell, add) -> str | None:
    text = _as_text(value)
    code = reader.ctx.lookup("department", text)
    if code is None:
        sep = "、" if reader.ctx.lang == "zh" else ", "
        add("bad-department", value=text, allowed=sep.join(d.name(reader.ctx.lang) for d in reader.ctx.ws.departments))
    return code


_PARSERS = {
    "text": _parse_text, "longtext": _parse_text, "person": _parse_text,
    "task_id": _parse_task_id, "task_ids": _parse_task_ids, "date": _parse_date,
    "percent": _parse_percent, "integer": _parse_integer, "choice": _parse_choice,
    "department": _parse_department,
}


# -- cross-field rules: small, named, each one finding per offending row -------------------------
def rule_unique_ids(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    """IDs (task, issue, change) appear once per table."""
    for key in ID_FIELDS:
        first: dict[str, str] = {}
        for row in rows:
            value = row.values.get(key)
            if value is None:
                continue
            norm = str(value).upper()
            if norm in first:
                ctx.add("duplicate-id", sheet=sheet, cell=row.cells.get(key), fld=fields.get(key), value=value, first=first[norm])
            else:
                first[norm] = row.cells.get(key)


def rule_task_prefix(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    """A task ID carries the workbook's department prefix: RD-001 in R&D's workbook."""
    for row in rows:
        tid = row.values.get("task_id")
        if tid and TASK_ID_RE.match(tid).group(1) != ctx.department:
            ctx.add("wrong-prefix", sheet=sheet, cell=row.cells.get("task_id"), fld=fields.get("task_id"), value=tid, prefix=ctx.department)


def rule_due_before_start(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    for row in rows:
        start, due = row.values.get("start"), row.values.get("due")
        if start and due and due < start:
            ctx.add("due-before-start", sheet=sheet, cell=row.cells.get("due"), fld=fields.get("due"), value=due.isoformat(),
                    start=start.isoformat())


def rule_done_is_100(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    for row in rows:
        pct = row.values.get("percent")
        if row.values.get("status") == "done" and pct is not None and pct != 100:
            ctx.add("done-not-100", sheet=sheet, cell=row.cells.get("percent"), fld=fields.get("percent"), value=_plain(pct))


def rule_100_is_done(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    """Only a warning: the department may still be checking the deliverable."""
    status = ctx.catalog.enums["status"]
    for row in rows:
        code = row.values.get("status")
        if row.values.get("percent") == 100 and code is not None and code != "done":
            ctx.add("100-not-done", WARNING, sheet=sheet, cell=row.cells.get("status"), fld=fields.get("status"),
                    value=status.label_of(code, ctx.lang))


def rule_reason_required(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    status = ctx.catalog.enums["status"]
    for row in rows:
        code = row.values.get("status")
        if code in ("delayed", "blocked") and not row.values.get("reason") and "reason" in row.cells:
            ctx.add("reason-required", sheet=sheet, cell=row.cells["reason"], fld=fields.get("reason"),
                    value=status.label_of(code, ctx.lang))


def rule_predecessors(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    """Same-department predecessors must exist here; other departments' are checked at the merge."""
    own = {row.values.get("task_id") for row in rows if row.values.get("task_id")}
    known = {d.prefix for d in ctx.ws.departments}
    for row in rows:
        tid = row.values.get("task_id")
        for pred in row.values.get("predecessors") or ():
            prefix = TASK_ID_RE.match(pred).group(1)
            cell, fld = row.cells.get("predecessors"), fields.get("predecessors")
            if pred == tid:
                ctx.add("self-predecessor", sheet=sheet, cell=cell, fld=fld, value=pred)
            elif prefix not in known:
                ctx.add("predecessor-department", sheet=sheet, cell=cell, fld=fld, value=pred)
            elif prefix == ctx.department and pred not in own:
                ctx.add("unknown-predecessor", sheet=sheet, cell=cell, fld=fld, value=pred)


def rule_overdue(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field], today: dt.date) -> None:
    """Not an input error: the master computes health from dates. A hint to update the status."""
    for row in rows:
        due = row.values.get("due")
        if due and due < today and row.values.get("status") in STARTED:
            ctx.add("overdue", WARNING, sheet=sheet, cell=row.cells.get("due"), fld=fields.get("due"), value=due.isoformat())


def rule_raci(ctx: _Ctx, sheet: str, rows: tuple[Row, ...], fields: dict[str, Field]) -> None:
    """Exactly one A and at least one R per row."""
    for row in rows:
        marks = [v for k, v in row.values.items() if k.startswith("raci:") and v]
        if not marks and row.values.get("item") is None:
            continue
        cell = row.cells.get("item") or next(iter(row.cells.values()), None)
        if marks.count("A") != 1:
            ctx.add("raci-one-a", sheet=sheet, cell=cell, fld=fields.get("item"), row=row.excel_row, count=marks.count("A"))
        if "R" not in marks:
            ctx.add("raci-no-r", sheet=sheet, cell=cell, fld=fields.get("item"), row=row.excel_row)


def report_text(sub: Submission, lang: str) -> str:
    """The readable report: a verdict line, then findings grouped by sheet, each with its cell."""
    key = "validate-file-valid" if sub.valid else "validate-file-invalid"
    head = msg(key, lang, path=sub.path, department=sub.department or "?", errors=len(sub.report.errors),
               warnings=len(sub.report.warnings))
    return "\n".join([head, *sub.report.lines(lang)])
