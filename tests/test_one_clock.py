"""One clock for every output: with [project] timezone set, the master's Dashboard, Master WBS and
Submissions, the feedback mail and `status` show the same wall time, the zone named where a reader
could doubt it; the Dashboard says "no accepted update" for a rejected department, and the
percent complete carries its % sign."""
from __future__ import annotations

import datetime as dt

import openpyxl

from guard_e2e_helpers import body, label, mails, received, run, submit, task
from xlflow.cli.watch import status_lines
from xlflow.config import load_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.service.status import workspace_status

ZONE = "Pacific/Kiritimati"  # UTC+14: differs from the test machine's zone, whatever it is
DAY = dt.date(2026, 11, 18)


def _ws(tmp_path):
    ws = init_workspace(tmp_path / "ws", "en", sample=True)
    path = ws.root / "xlflow.toml"
    text = path.read_text("utf-8").replace('# timezone = "Asia/Shanghai"', f'timezone = "{ZONE}"', 1)
    path.write_text(text, "utf-8")
    ws = load_workspace(ws.root)
    assert ws.project.timezone == ZONE
    return ws


def _rows(sheet, header_text: str) -> tuple[tuple, list[tuple]]:
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r and header_text in r)
    return rows[top], [r for r in rows[top + 1:] if r and r[0]]


def test_every_output_shows_the_workspace_time_zone(tmp_path):
    ws = _ws(tmp_path)
    submit(ws, "RD", [task("RD", 1)], DAY)
    submit(ws, "MK", [task("MK", 1, status=label("done"), percent=10)], DAY)  # Done at 10 %: rejected
    run(ws, DAY, hour=9)
    wall = ws.local(received(DAY, 9)).replace(tzinfo=None)
    assert wall != received(DAY, 9).replace(tzinfo=None)  # the zone makes a difference
    book = openpyxl.load_workbook(next(ws.folder("master").glob("*-master.xlsx")))
    header, rows = _rows(book["Master WBS"], "Task ID")
    col = header.index(f"Received ({ZONE})")
    assert {r[col] for r in rows} == {wall}
    header, rows = _rows(book["Submissions"], f"Received ({ZONE})")
    assert {r[header.index(f"Received ({ZONE})")] for r in rows} == {wall}
    dash = book["Dashboard"]
    header, rows = _rows(dash, "Department")
    by_dept = {r[0]: r for r in reversed(rows) if r[0] in {d.code for d in ws.departments}}  # the table's row
    assert by_dept["RD"][header.index(f"Last received ({ZONE})")] == wall
    assert by_dept["MK"][header.index("Update accepted this week")] == "No"
    texts = [str(c.value) for row in dash.iter_rows() for c in row if c.value is not None]
    assert any(t.startswith("Departments with no accepted update since") for t in texts)
    percent = next(c for row in dash.iter_rows() for c in row if c.value == "Percent complete")
    assert dash.cell(percent.row + 1, percent.column).number_format == '0.0"%"'
    shown = wall.strftime("%Y-%m-%d %H:%M")
    (rd_mail,) = [m for m in mails(ws) if "R&D" in m["Subject"]]
    assert f"received {shown} ({ZONE})" in body(rd_mail)
    lines = status_lines(ws, workspace_status(ws, received(DAY, 10)), "en")
    assert f"({ZONE})" in lines[0] and any(shown in line and "RD" in line for line in lines)
