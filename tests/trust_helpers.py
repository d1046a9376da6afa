"""Helpers for the trust tests (issue 18): a large plan in the workspace, and a coordinator who
saves the master the way Excel does (a temp file renamed over it) at a chosen moment."""
from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import openpyxl

from coord_helpers import AS_OF, HEADER_ROW
from merge_helpers import D, task
from xlflow.output.department import generate_workbook
from xlflow.service import merge

WBS, TASK, COMMENT = "主任务表", "任务编号", "协调人备注"


def big_workbooks(ws, folder: Path, per_department: int = 200) -> list[Path]:
    """RD and MK workbooks of `per_department` chained tasks each."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for dept in ("RD", "MK"):
        rows = []
        for i in range(1, per_department + 1):
            start = D(2026, 11, 2) + dt.timedelta(days=i % 40)
            preds = f"{dept}-{i - 1:03d}" if i > 1 and i % 5 else ""
            rows.append(dict(task(f"{dept}-{i:03d}", start, start + dt.timedelta(days=10), "in_progress", percent=20),
                             predecessors=preds, name=f"任务 {dept}-{i:03d}"))
        path = folder / f"{dept}.xlsx"
        generate_workbook(ws, dept, ws.lang, path,
                          data={"wbs": {"card": {"update_date": D(2026, 11, 16)}, "tables": {"tasks": rows}}})
        out.append(path)
    return out


def typed_copy(master: Path, comments: dict[str, str]) -> bytes:
    """The master with comments typed on the WBS sheet (task ID -> text), as the bytes a save writes."""
    wb = openpyxl.load_workbook(master)
    sheet = wb[WBS]
    cols = {c.value: c.column for c in sheet[HEADER_ROW] if c.value}
    wanted = dict(comments)
    for r in range(HEADER_ROW + 1, sheet.max_row + 1):
        tid = sheet.cell(r, cols[TASK]).value
        if tid in wanted:
            sheet.cell(r, cols[COMMENT]).value = wanted.pop(tid)
    assert not wanted, wanted
    tmp = master.with_name("typed-copy.tmp")
    wb.save(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def excel_save(master: Path, data: bytes) -> None:
    """Save as Excel does: write a temp file beside the master, then rename it over the master."""
    tmp = master.with_name(f"{os.urandom(4).hex().upper()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, master)


def comments(master: Path, ids: list[str]) -> dict[str, object]:
    sheet = openpyxl.load_workbook(master, read_only=True)[WBS]
    rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
    headers = list(next(rows))
    out = {}
    for row in rows:
        values = dict(zip(headers, row, strict=False))
        if values.get(TASK) in ids:
            out[values[TASK]] = values.get(COMMENT)
    return out


def race_once(ws, files: list[Path], delay: float, token: str, task_id: str = "RD-001",
              as_of: dt.date = AS_OF) -> tuple[bool, int, float]:
    """One merge with a coordinator's save landing `delay` seconds after it starts, then a plain
    merge (what the coordinator sees next). -> (the save's comment is in the final master, the
    saves the race merge noticed, the race merge's seconds)."""
    master = merge.master_paths(ws, as_of)[0]
    data = typed_copy(master, {task_id: token})
    saver = threading.Timer(delay, excel_save, (master, data))
    started = time.perf_counter()
    saver.start()
    raced = merge.merge_workspace(ws, files, as_of=as_of)
    took = time.perf_counter() - started
    saver.join()
    final = merge.merge_workspace(ws, files, as_of=as_of)
    return comments(final.master_path, [task_id]).get(task_id) == token, len(raced.saved_during), took
