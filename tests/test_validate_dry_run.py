"""`xlflow validate -w WS FILE` is the intake's dry run: the same findings the department would get
from the intake's guard, and nothing recorded (no submission, no file moved, no mail)."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from click.testing import CliRunner

from guard_e2e_helpers import label, run_one, submit, task, workbook
from watch_helpers import make_ws
from xlflow.cli import main

W1, W2 = dt.date(2026, 11, 13), dt.date(2026, 11, 20)


def _state(ws) -> tuple:
    with sqlite3.connect(ws.state_db) as con:
        rows = con.execute("SELECT COUNT(*) FROM submissions").fetchone()
    files = sorted(str(p.relative_to(ws.root)) for p in ws.root.rglob("*") if p.is_file()
                   and ".cache" not in p.parts and not p.name.startswith("xlflow.sqlite"))
    return rows, files


def test_validate_with_a_workspace_says_what_the_intake_would(tmp_path):
    ws = make_ws(tmp_path / "ws")
    submit(ws, "RD", [task("RD", 1), task("RD", 2), task("RD", 3, status=label("done"), percent=100)], W2)
    assert run_one(ws, W2).result == "accepted"
    submit(ws, "MK", [task("MK", 1, predecessors="RD-002")], W2)
    assert run_one(ws, W2).result == "accepted"
    before = _state(ws)
    rows = [task("RD", 1, owner_department="Marketing", predecessors="MK-099"),
            task("RD", 3, status=label("done"), percent=100)]
    path = workbook(ws, "RD", rows, W1, tmp_path / "rd-next.xlsx")  # RD-002 gone, an older update date
    result = CliRunner().invoke(main, ["validate", "-w", str(ws.root), str(path), "--json"])
    assert result.exit_code == 1, result.output
    codes = {f["code"] for f in json.loads(result.output)["files"][0]["findings"]}
    assert {"removed-task-needed", "tasks-removed", "owner-department-other", "predecessor-not-in-project",
            "older-version"} <= codes, codes
    assert _state(ws) == before  # nothing recorded, nothing moved, no mail
