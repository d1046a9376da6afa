"""The master opened and re-saved by a real LibreOffice: the fast packing (own zip writer,
pigz-style blocks, one-pass shared strings, empty-cell templates) is read by a real client
as it is by openpyxl: every sheet, every value, text that looks like a formula still text."""
from __future__ import annotations

import openpyxl

from libreoffice import convert
from merge_helpers import D, make_ws, submission, task
from xlflow.plan.build import build_plan
from xlflow.week.master import write_master
from xlflow.xlsx import pack as xlsxpack

AS_OF = D(2026, 11, 20)


def test_libreoffice_reads_the_master_as_written(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsxpack, "_BLOCK", 4096)  # every sheet of this small master spans several blocks
    ws = make_ws(tmp_path / "ws")
    tasks = [task(f"RD-{i}", D(2026, 11, 2), D(2026, 11, 10 + i % 20), "in_progress",
                  reason="=1+1" if i == 7 else "a & b < c", notes="_x0041_ stays") for i in range(1, 120)]
    plan = build_plan([submission("RD", tasks),
                       submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 11, 30), "blocked", ("RD-1",))])],
                      ws, AS_OF)
    master = write_master(plan, ws, tmp_path / "master.xlsx", "en").path
    resaved = convert(master, "xlsx", tmp_path / "lo")
    ours, theirs = openpyxl.load_workbook(master), openpyxl.load_workbook(resaved)
    assert theirs.sheetnames == ours.sheetnames
    for name in ours.sheetnames:
        for row in ours[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert theirs[name][cell.coordinate].value == cell.value, f"{name}!{cell.coordinate}"
    wbs = theirs["Master WBS"]
    texts = {c.value for row in wbs.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"=1+1", "a & b < c", "_x0041_ stays"} <= texts
    assert all(c.data_type != "f" for row in wbs.iter_rows() for c in row)  # no formula came out of text
