"""A plan repeats its values (statuses, owners, dates): the reader gives one Cell to every cell of the
same content and the check reads it once per column. Each cell still gets its own value and its own
findings, at its own address, in reading order, as when every cell was read alone."""
from __future__ import annotations

import datetime as dt

import pytest

from validate_helpers import blank_rd, fill, task
from xlflow.check.validate import check_file, task_rows
from xlflow.output.department import generate_workbook
from xlflow.xlsx.read import read_workbook

UPDATE = {"update_date": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return blank_rd(tmp_path_factory.mktemp("repeats"))


def test_the_same_bad_value_in_many_rows_is_reported_at_each(env):
    ws, blank, root = env
    rows = [task(n, status="做完了", due="2026年13月1日" if n % 2 else dt.date(2026, 10, 30), percent=50)
            for n in range(1, 7)]
    path = fill(ws, blank, root / "repeats.xlsx", {"wbs": {"card": UPDATE, "tables": {"tasks": rows}}})
    sub = check_file(path, ws)
    bad_status = [f for f in sub.report.findings if f.code == "bad-enum"]
    bad_dates = [f for f in sub.report.findings if f.code == "impossible-date"]
    assert len({f.cell for f in bad_status}) == 6 and len(bad_status) == 6
    assert len({f.cell for f in bad_dates}) == 3 and len(bad_dates) == 3
    assert {f.value for f in bad_status} == {"做完了"} and {f.value for f in bad_dates} == {"2026年13月1日"}
    cells = [f.cell for f in sub.report.findings if f.cell and f.code in ("bad-enum", "impossible-date")]
    rows_of = [int("".join(ch for ch in cell if ch.isdigit())) for cell in cells]
    assert rows_of == sorted(rows_of)  # reading order: row by row
    tasks = task_rows(sub)
    assert [t.values["percent"] for t in tasks] == [50] * 6
    assert [t.values["due"] for t in tasks if t.values["due"]] == [dt.date(2026, 10, 30)] * 3
    assert len({t.cells["status"] for t in tasks}) == 6  # each row keeps its own address


def test_cells_of_the_same_content_share_one_cell(env):
    """A workbook as Excel, WPS and xlflow save it (shared strings): one Cell per distinct content."""
    ws, _, root = env
    rows = [{"task_id": f"RD-{n:03d}", "name": f"任务{n}", "owner_department": "RD", "owner": "王磊",
             "start": dt.date(2026, 9, 1), "due": dt.date(2026, 10, 30), "status": "in_progress", "percent": 50}
            for n in range(1, 5)]
    path = generate_workbook(ws, "RD", "zh", root / "same.xlsx",
                             data={"wbs": {"card": UPDATE, "tables": {"tasks": rows}}})
    sheet = next(s for s in read_workbook(path).sheets if s.name == "任务分解表")
    owners = [cell for cell in sheet.cells.values() if cell.value == "王磊"]
    dues = [cell for cell in sheet.cells.values() if cell.value == dt.datetime(2026, 10, 30)]
    assert len(owners) == 4 and len({id(c) for c in owners}) == 1
    assert len(dues) == 4 and len({id(c) for c in dues}) == 1
    names = {cell.value for cell in sheet.cells.values() if str(cell.value).startswith("任务")}
    assert {"任务1", "任务2", "任务3", "任务4"} <= names
    sub = check_file(path, ws)
    assert sub.valid and [t.values["owner"] for t in task_rows(sub)] == ["王磊"] * 4
