"""The reader's and the feedback copy's bounds (issue 12): the row cap counts rows with content,
not the template's prepared empty rows, and a separate bound stops sheets of endless styled empty
rows; the annotated feedback copy is made within bounded time and memory."""
from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path

from validate_helpers import make_workspace

from xlflow.check.validate import check_file, task_rows
from xlflow.output.department import generate_workbook
from xlflow.xlsx.read import MAX_ROWS, read_workbook
from xlflow.xlsx.sheet import MAX_ROW_ELEMENTS

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def tasks(count: int, dept: str = "RD") -> list[dict]:
    start = dt.date(2026, 9, 1)
    return [{"task_id": f"{dept}-{i:05d}", "name": f"任务{i}", "owner_department": dept, "owner": "王磊",
             "start": start, "due": start + dt.timedelta(days=30), "status": "in_progress", "percent": 50}
            for i in range(1, count + 1)]


def big_workbook(tmp_path: Path, count: int) -> tuple[object, Path]:
    ws = make_workspace(tmp_path / "ws")
    data = {"wbs": {"card": {"update_date": dt.date(2026, 11, 20)}, "tables": {"tasks": tasks(count)}}}
    return ws, generate_workbook(ws, "RD", "zh", tmp_path / f"RD-{count}.xlsx", data=data)


def test_a_workbook_of_19990_tasks_is_read_whole_and_valid(tmp_path):
    ws, path = big_workbook(tmp_path, 19_990)
    wbs = next(s for s in read_workbook(path).sheets if "任务" in s.name)
    assert not wbs.truncated
    sub = check_file(path, ws)
    assert [f.code for f in sub.report.errors] == [], sub.report.lines("en")[:5]
    assert len(task_rows(sub)) == 19_990


def _one_sheet_book(path: Path, rows: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", f'<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>')
    return path


def test_empty_styled_rows_do_not_count_but_stay_bounded(tmp_path):
    # 30,000 rows, one in three with content: 10,000 content rows are read in full
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/>'
                   + (f'<c r="B{r}" t="inlineStr"><is><t>x{r}</t></is></c>' if r % 3 == 0 else "") + "</row>"
                   for r in range(1, 30_001))
    sheet = read_workbook(_one_sheet_book(tmp_path / "sparse.xlsx", rows)).sheets[0]
    assert not sheet.truncated and len(sheet.cells) == 10_000 and sheet.last_row == 30_000
    # endless styled empty rows with a little content sprinkled in: stopped at the bound, quickly
    count = MAX_ROW_ELEMENTS + 50_000
    rows = "".join(f'<row r="{r}"><c r="A{r}" s="1"/>'
                   + (f'<c r="B{r}" t="inlineStr"><is><t>y</t></is></c>' if r % 900 == 0 else "") + "</row>"
                   for r in range(1, count + 1))
    started = time.perf_counter()
    sheet = read_workbook(_one_sheet_book(tmp_path / "endless.xlsx", rows)).sheets[0]
    assert sheet.truncated and sheet.last_row <= MAX_ROW_ELEMENTS and len(sheet.cells) < MAX_ROWS
    assert time.perf_counter() - started < 10
