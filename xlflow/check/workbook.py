"""One submitted file: read it, find its forms and whose it is, then check each form.

Bad content never raises: every problem is a Finding with a stable code, the sheet and
cell, the field's label and the value. Sheets are found by name or by content, because
people rename them; the department comes from the workbook's stamp or its header line.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from ..config import Workspace
from ..errors import UnreadableWorkbook
from ..findings import ERROR, WARNING, Finding, Report
from ..spec import layout
from ..spec.catalog import Catalog, Form, load_catalog
from ..xlsx.read import (
    MAX_ROWS,
    RawWorkbook,
    Sheet,
    label_key,
    parse_ref,
    read_workbook,
    sha256_of,
)
from .context import CheckContext
from .form import FormReader
from .model import FormData, Row, Submission, WorkbookData

_HEADER_DEPT_RE = re.compile(r"[（(]\s*([A-Z][A-Z0-9]{1,7})\s*[)）]")


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
    ctx = CheckContext(ws, catalog, raw, _workbook_lang(raw, catalog, ws))
    sub = Submission(raw.path, raw.sha256, ctx.report, None, None, received)
    if raw.macros:
        ctx.add("macros-ignored", WARNING)
    if not raw.sheets:
        ctx.add("no-sheets", file=raw.path.name)
        return sub
    located = locate_forms(raw, catalog, ws)
    if not located:
        stamped = raw.stamp(layout.PROP_PROJECT, layout.NAME_PROJECT)
        ctx.add("no-form-sheets" if stamped else "not-xlflow-workbook", template=template_name(ws, None, ctx.lang))
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
            ctx.add("too-many-rows", sheet=sheet.name, limit=f"{MAX_ROWS:,}")
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


def template_name(ws: Workspace, dept: str | None, lang: str) -> str:
    """The file name findings point people to: the same rule generate writes by."""
    d = ws.department(dept) if dept else None
    return layout.workbook_file_name(ws.project.code, d.code if d else None, d.name(lang) if d else None, lang)


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


def _identity(ctx: CheckContext, located: dict[str, Sheet]) -> bool:
    """Department, project and template version from the workbook itself; False stops the check."""
    raw, ws = ctx.raw, ctx.ws
    project = raw.stamp(layout.PROP_PROJECT, layout.NAME_PROJECT)
    dept = raw.stamp(layout.PROP_DEPARTMENT, layout.NAME_DEPARTMENT)
    if dept is None:
        dept = _department_from_header(ctx, located)
    code = ws.find_department(dept) if dept else None
    if project is not None and project != ws.project.code:
        ctx.add("wrong-project", value=project, project=ws.project.code,
                template=template_name(ws, code, ctx.lang))
        return False
    version = raw.stamp(layout.PROP_SPEC_VERSION, layout.NAME_SPEC_VERSION)
    if version is not None and _version(version) < _version(ctx.catalog.min_compatible):
        ctx.add("outdated-template", value=version, version=ctx.catalog.version,
                template=template_name(ws, code, ctx.lang))
        return False
    if dept is None:
        ctx.add("department-missing", template=template_name(ws, None, ctx.lang))
        return False
    if code is None:
        ctx.add("unknown-department", value=dept, departments=", ".join(d.code for d in ws.departments))
        return False
    ctx.department = code
    return True


def _department_from_header(ctx: CheckContext, located: dict[str, Sheet]) -> str | None:
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
