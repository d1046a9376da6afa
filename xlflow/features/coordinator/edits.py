"""Department cells changed in the master by hand: found, recorded and said, never silently lost.

The master is rewritten from the departments' workbooks at every merge, so a status or a date the
coordinator changes in the master does not last. Before it is replaced, each department cell of
the Master WBS and Delays sheets (a WBS field, found by its label) is compared with what xlflow
wrote there (the copy features/coordinator/readback.py keeps); a difference the department's workbook does not
share is a MasterEdit, kept in the state database and reported (console, watch log, brief).
"""
from __future__ import annotations

import datetime as dt

from ...config import Workspace
from ...plan.model import MasterPlan, Task
from ...spec.catalog import Catalog, Field, load_catalog
from ...spec.fields import field_type
from ...store.state import StateDB
from ...xlsx.read import label_key
from .masterread import MasterTable, cell_text
from .readback import ReadBack
from .table import CoordinatorLayer, MasterEdit
from .week import master_edits as week_master_edits

EDIT_SHEETS = ("wbs", "delays")
SKIPPED = frozenset({"task_id"})  # the row key itself: a changed ID is a different row


def department_edits(found: ReadBack, plan: MasterPlan, ws: Workspace, db: StateDB, lang: str,
                     catalog: Catalog | None = None) -> list[MasterEdit]:
    """The department cells of the master read back that differ from what xlflow wrote and from
    what the department's workbook says now; recorded in the state database, and kept on `found`."""
    catalog = catalog or load_catalog()
    wbs = catalog.form("wbs").table("tasks").columns(ws.department_names())
    by_label = {label_key(lbl): f for f in wbs if f.key not in SKIPPED for lbl in (f.label.zh, f.label.en)}
    tasks = {t.task_id: t for t in plan.tasks}
    edits: dict[tuple[str, str], MasterEdit] = {}
    for sheet, read in ((s, r) for r in reversed(found.files) for s in EDIT_SHEETS):  # the newest save first
        table, ref = read.tables.get(sheet), read.reference.get(sheet)
        if table is None or ref is None:
            continue
        pairs = [(header, ref_header, f) for header, f in _fields(table, by_label).items()
                 if (ref_header := _header_of(ref, f, by_label)) is not None]  # the coordinator may move columns
        for task_id, row in table.rows.items():
            written = ref.rows.get(task_id)
            if written is None:
                continue
            for header, ref_header, f in pairs:
                mine, theirs = row.get(header), written.get(ref_header)
                if mine == theirs or (task_id, f.key) in edits:
                    continue
                edit = _edit(task_id, f, cell_text(mine), cell_text(theirs), tasks, catalog, lang)
                if edit is not None:
                    edits[(task_id, f.key)] = edit
    out = list(edits.values())
    if out:
        CoordinatorLayer(db).record_edits(out, found.files[-1].path.name, plan.as_of)
    found.edits = out
    return out


def _fields(table: MasterTable, by_label: dict[str, Field]) -> dict[str, Field]:
    return {h: by_label[label_key(h)] for h in table.headers if label_key(h) in by_label}


def _header_of(table: MasterTable, f: Field, by_label: dict[str, Field]) -> str | None:
    return next((h for h in table.headers if by_label.get(label_key(h)) is f), None)


def _edit(task_id: str, f: Field, master: str, written: str, tasks: dict[str, Task], catalog: Catalog,
          lang: str) -> MasterEdit | None:
    if _same(master, written, f, catalog):
        return None
    task = tasks.get(task_id)
    current = "" if task is None else _shown(task.values.get(f.key), f, catalog, lang)
    if task is not None and _same(master, current, f, catalog):
        return None  # the department's workbook says the same now: nothing is lost
    department = task.department if task is not None else task_id.split("-", 1)[0]
    return MasterEdit(department, task_id, f.key, master, written, current if task is not None else "-")


def _same(a: str, b: str, f: Field, catalog: Catalog) -> bool:
    if a == b:
        return True
    enum = catalog.enum_of(f)
    if enum is not None and a and b:
        return (enum.lookup(a) or a) == (enum.lookup(b) or b)
    return a.strip() == b.strip()


def _shown(value: object, f: Field, catalog: Catalog, lang: str) -> str:
    enum = catalog.enum_of(f)
    labels = {c.code: c.label(lang) for c in enum.values} if enum is not None else None
    return cell_text(field_type(f).display(value, labels))


def master_edits(ws: Workspace, since: dt.date | None = None, until: dt.date | None = None,
                 db: StateDB | None = None) -> list[MasterEdit]:
    """The department cells found changed in the master on days since..until: for the brief and mail."""
    return week_master_edits(db or StateDB(ws.state_db), since, until)
