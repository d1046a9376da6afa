"""One submitted file: read it, find its forms and whose it is, then check each form.

Bad content never raises: every problem is a Finding with a stable code, the sheet and
cell, the field's label and the value. Sheets are found by name or by content, because
people rename them (locate.py); whose workbook it is follows identity.py's one rule.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..config import Workspace
from ..errors import UnreadableWorkbook
from ..findings import ERROR, WARNING, Finding, Report
from ..i18n import Phrase
from ..spec import layout
from ..spec.catalog import Catalog, load_catalog
from ..xlsx.read import (
    MAX_ROWS,
    RawWorkbook,
    label_key,
    parse_ref,
    read_workbook,
    sha256_of,
)
from .context import CheckContext
from .form import FormReader
from .identity import SOURCES, Identity, identify
from .locate import locate_forms
from .model import FormData, Row, Submission, WorkbookData


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
    """Check a read workbook; the Submission is built once, at the end, from what the check found."""
    catalog = catalog or load_catalog()
    ctx = CheckContext(ws, catalog, raw, _workbook_lang(raw, catalog, ws))
    if raw.macros:
        ctx.add("macros-ignored", WARNING)
    if not raw.sheets:
        ctx.add("no-sheets", file=raw.path.name)
        return Submission(raw.path, raw.sha256, ctx.report, None, None, received)
    located = locate_forms(raw, catalog, ws)
    ident = identify(raw, ws, located)
    if raw.properties.get(layout.PROP_KIND) == "master":  # the coordinator's master, dropped back in
        ctx.add("master-workbook", value=raw.path.name, project=ident.project or "?",
                template=template_name(ws, None, ctx.lang))
        return Submission(raw.path, raw.sha256, ctx.report, None, None, received, ident)
    if not located:
        ctx.add("no-form-sheets" if ident.project else "not-xlflow-workbook",
                template=template_name(ws, None, ctx.lang))
        return Submission(raw.path, raw.sha256, ctx.report, None, None, received, ident)
    if not _identity(ctx, ident):
        return Submission(raw.path, raw.sha256, ctx.report, None, None, received, ident)
    forms: dict[str, FormData] = {}
    for form in catalog.forms:
        sheet = located.get(form.id)
        if sheet is None:
            ctx.add("sheet-missing", ERROR if form.id == "wbs" else WARNING, form=form.sheet(ctx.lang))
            continue
        if sheet.truncated:
            ctx.add("too-many-rows", sheet=sheet.name, limit=f"{MAX_ROWS:,}")
        forms[form.id] = FormReader(ctx, form, sheet, received).read()
    data = WorkbookData(ctx.department, ident.project, ident.spec_version, forms)
    ctx.report.findings.sort(key=_reading_order([s.name for s in raw.sheets]))
    return Submission(raw.path, raw.sha256, ctx.report, ctx.department, data, received, ident)


def _reading_order(sheet_names: list[str]):
    """Findings as a person reads the workbook: sheet by sheet, then row by row, left to right."""
    position = {name: i for i, name in enumerate(sheet_names)}

    def key(f: Finding) -> tuple:
        row_col = parse_ref(f.cell) if f.cell else None
        return (f.sheet is not None, position.get(f.sheet or "", len(position)), row_col or (0, 0))

    return key


def task_rows(sub: Submission) -> tuple[Row, ...]:
    """The WBS task rows of a checked submission, for the merge (empty when unreadable)."""
    return sub.data.rows("wbs", "tasks") if sub.data is not None else ()


def template_name(ws: Workspace, dept: str | None, lang: str) -> str | Phrase:
    """The file name findings point people to: the same rule generate writes by. With the department
    unknown, a Phrase: its placeholder (<DEPT>, <部门>) is rendered in the reader's language."""
    d = ws.department(dept) if dept else None
    if d is None:
        return Phrase("template-department-file", project=ws.project.code)
    return layout.workbook_file_name(ws.project.code, d.code, d.name(lang), lang)


# -- whose workbook is it (identity.py has the rule; locate.py finds the form sheets) -------------
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


def _identity(ctx: CheckContext, ident: Identity) -> bool:
    """Department, project and template version by identity.py's rule; False stops the check."""
    ws = ctx.ws
    code = ws.find_department(ident.department) if ident.department else None
    template = template_name(ws, code, ctx.lang)
    if ident.conflicts:
        stamps: dict[str, Any] = {f"{what}_{source.replace('-', '_')}": ident.values(what, source)  # placeholders
                                  for what in ("department", "project") for source in SOURCES}
        ctx.add("conflicting-stamps", value=ident.department, template=template, **stamps)
        return False
    if ident.project is not None and ident.project != ws.project.code:
        ctx.add("wrong-project", value=ident.project, project=ws.project.code, template=template)
        return False
    version = ident.spec_version
    if version is not None and _version(version) < _version(ctx.catalog.min_compatible):
        ctx.add("outdated-template", value=version, version=ctx.catalog.version, template=template)
        return False
    if ident.department is None:
        ctx.add("department-missing", template=template_name(ws, None, ctx.lang))
        return False
    if code is None:
        ctx.add("unknown-department", value=ident.department, departments=", ".join(d.code for d in ws.departments))
        return False
    ctx.department = code
    return True


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.\-]", str(text).strip()) if p)
