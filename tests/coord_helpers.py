"""Helpers for the coordinator-layer tests: real department workbooks from the generator, a merge
into the workspace's master, and the master read the way a person sees it (openpyxl on our own
output, by header text)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from merge_helpers import D, task
from xlflow.output.department import generate_workbook
from xlflow.service import merge

AS_OF = D(2026, 11, 20)
HEADER_ROW = 4


def rd_tasks(with_rd2: bool = True) -> list[dict]:
    tasks = [task("RD-001", D(2026, 11, 2), D(2026, 11, 27), "in_progress", percent=40),
             task("RD-002", D(2026, 11, 9), D(2026, 11, 18), "in_progress", ("RD-001",), 20),
             task("RD-003", D(2026, 11, 16), D(2026, 12, 11), "not_started", ("RD-001",))]
    out = []
    for t in tasks:
        if t["task_id"] == "RD-002" and not with_rd2:
            continue
        t = dict(t, predecessors=", ".join(t["predecessors"]), name=f"研发任务 {t['task_id']}")
        out.append(t)
    return out


def mk_tasks() -> list[dict]:
    return [dict(task("MK-001", D(2026, 11, 16), D(2026, 11, 30), "in_progress", percent=10),
                 predecessors="RD-001", name="市场任务 MK-001")]


def workbooks(ws, folder: Path, with_rd2: bool = True) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for dept, tasks in (("RD", rd_tasks(with_rd2)), ("MK", mk_tasks())):
        path = folder / f"{dept}.xlsx"
        generate_workbook(ws, dept, ws.lang, path,
                          data={"wbs": {"card": {"update_date": D(2026, 11, 16)}, "tables": {"tasks": tasks}}})
        out.append(path)
    return out


def merge_files(ws, files: list[Path], as_of: dt.date = AS_OF):
    result = merge.merge_workspace(ws, files, as_of=as_of)
    assert result.left_out == [], [f.code for s in result.left_out for f in s.report.errors]
    return result


def rows(path: Path, sheet: str, key: str) -> dict[str, dict[str, object]]:
    """The sheet's rows by the value of the `key` column, each as header -> value."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[HEADER_ROW]]
    out = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        values = dict(zip(headers, row, strict=True))
        if values.get(key):
            out[values[key]] = values
    return out


def cell_of(path: Path, sheet: str, key_header: str, key: str, header: str) -> str:
    """"Sheet!C7": where `header`'s column meets the row whose `key_header` is `key`."""
    ws = openpyxl.load_workbook(path)[sheet]
    cols = {c.value: c.column_letter for c in ws[HEADER_ROW]}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        for c in row:
            if c.column_letter == cols[key_header] and c.value == key:
                return f"{sheet}!{cols[header]}{c.row}"
    raise LookupError(key)


def edit(path: Path, sheet: str, key_header: str, changes: dict[tuple[str, str], object],
         new_columns: dict[str, dict[str, object]] | None = None) -> None:
    """Edit the master as a coordinator does in Excel: cells by (row key, header), and new columns
    typed to the right of the table (header -> {row key: value})."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    cols = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
    keys = {ws.cell(r, cols[key_header]).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for (key, header), value in changes.items():
        ws.cell(keys[key], cols[header]).value = value
    for header, values in (new_columns or {}).items():
        col = ws.max_column + 1
        ws.cell(HEADER_ROW, col).value = header
        for key, value in values.items():
            ws.cell(keys[key], col).value = value
    wb.save(path)
