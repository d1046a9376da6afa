"""Helpers for validation tests (others may reuse them): a small workspace, and fill() — filling a
generated workbook as a department would, cell by cell with openpyxl, finding rows and columns by
their labels exactly like a person reading the sheet."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import openpyxl

from xlflow.config import Workspace, load_workspace
from xlflow.spec.catalog import load_catalog
from xlflow.xlsx.read import label_key

WORKSPACE_TOML = textwrap.dedent("""
    [project]
    name = { zh = "测试项目", en = "Test project" }
    code = "TP-2026"
    lead_department = "PMO"
    start = 2026-09-01
    end = 2027-01-29
    language = "zh"

    [[departments]]
    code = "PMO"
    name = { zh = "项目管理办公室", en = "PMO" }

    [[departments]]
    code = "RD"
    name = { zh = "研发部", en = "R&D" }

    [[departments]]
    code = "MK"
    name = { zh = "市场部", en = "Marketing" }
""")


def make_workspace(root: Path, toml: str = WORKSPACE_TOML) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "xlflow.toml").write_text(toml, "utf-8")
    return load_workspace(root)


def task(n: int, dept: str = "RD", **values: object) -> dict:
    """A valid WBS task row as a department types it (labels in Chinese, dates as date cells)."""
    row = {"task_id": f"{dept}-{n:03d}", "name": f"任务{n}", "owner_department": "研发部", "owner": "王磊",
           "start": dt.date(2026, 9, 1), "due": dt.date(2026, 10, 30), "status": "进行中", "percent": 50}
    row.update(values)
    return row


def fill(ws: Workspace, src: Path, dst: Path, forms: dict | None = None, cells: dict | None = None,
         lang: str | None = None) -> Path:
    """Write values into a generated workbook and save it as `dst`.

    forms = {form_id: {"card": {key: value}, "tables": {table_id: [{key: value}, ...]}}}; values are
    written as given (a str is what the person typed, a date becomes a date cell, None clears).
    cells = {"Sheet!B7": value} writes raw cells afterwards (for mistakes no form layout explains).
    """
    wb = openpyxl.load_workbook(src)
    props = {p.name: p.value for p in wb.custom_doc_props}
    lang = lang or props.get("xlflow_lang") or ws.lang
    catalog = load_catalog()
    for form_id, data in (forms or {}).items():
        form = catalog.form(form_id)
        sheet = wb[form.sheet(lang)]
        for key, value in data.get("card", {}).items():
            field = next(f for f in form.fields if f.key == key)
            row = _find_row(sheet, lambda values, field=field: label_key(field.label(lang)) in values)
            sheet.cell(row, 2).value = value
        for table_id, rows in data.get("tables", {}).items():
            table = form.table(table_id)
            columns = table.columns(ws.department_names())
            labels = {label_key(f.label(lang)): f.key for f in columns}
            header = _find_row(sheet, lambda values, labels=labels, columns=columns: sum(v in labels for v in values) >= min(3, len(columns)))
            col_of = {labels[label_key(c.value)]: c.column for c in sheet[header]
                      if isinstance(c.value, str) and label_key(c.value) in labels}
            for i, values in enumerate(rows):
                for key, value in values.items():
                    sheet.cell(header + 1 + i, col_of[key]).value = value
    for ref, value in (cells or {}).items():
        name, _, coord = ref.rpartition("!")
        wb[name][coord].value = value
    wb.save(dst)
    return dst


def _find_row(sheet, match) -> int:
    for row in sheet.iter_rows(min_row=1, max_row=400):
        values = {label_key(c.value) for c in row if isinstance(c.value, str)}
        if match(values):
            return row[0].row
    raise KeyError("row not found")


def patch_parts(path: Path, replacements: dict[bytes, bytes], dst: Path | None = None) -> Path:
    """Rewrite raw XML inside a workbook's zip (for content no spreadsheet API will write:
    control characters, cached formula values, odd number formats)."""
    import zipfile

    dst = dst or path
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            for old, new in replacements.items():
                data = data.replace(old, new)
            zout.writestr(info, data)
    return dst


UPDATE = {"update_date": dt.date(2026, 11, 20)}


def blank_rd(root: Path) -> tuple[Workspace, Path, Path]:
    """A test workspace under `root`, RD's blank generated workbook (zh) and `root`: a module's fixture."""
    from xlflow.output.department import generate_workbook

    ws = make_workspace(root / "ws")
    return ws, generate_workbook(ws, "RD", "zh", root / "blank_rd.xlsx"), root


def filled_workbook(root: Path, rows: list[dict], name: str = "filled.xlsx") -> tuple[Workspace, Path, Path]:
    """A test workspace, RD's blank generated workbook, and a copy filled with these WBS rows."""
    from xlflow.output.department import generate_workbook

    ws = make_workspace(root / "ws")
    blank = generate_workbook(ws, "RD", "zh", root / "blank.xlsx")
    return ws, blank, fill(ws, blank, root / name, {"wbs": {"card": UPDATE, "tables": {"tasks": rows}}})


def values_only_copy(src: Path, dst: Path, header: str | None = None) -> Path:
    """The sheets' values pasted into a new workbook, as people copy sheets: no properties, no
    defined names, the header lines kept (or each form's project line replaced by `header`)."""
    old = openpyxl.load_workbook(src)
    new = openpyxl.Workbook()
    new.remove(new.active)
    for sheet in old.worksheets:
        if sheet.title.startswith("_"):
            continue
        copy = new.create_sheet(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    copy.cell(cell.row, cell.column).value = cell.value
        line = copy.cell(2, 1).value
        if header is not None and isinstance(line, str) and ("｜" in line or " | " in line):
            copy.cell(2, 1).value = header
    new.save(dst)
    return dst
