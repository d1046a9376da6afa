"""RACI conflicts across departments, and the smaller items: health beside a blocked
task, whole steps on the dashboard chart's count axis, times in the workspace's time zone, the
single-file watcher log, the demo's language."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile

import openpyxl
import pytest

from merge_helpers import D, make_ws, submission, task
from watch_helpers import make_ws as make_sample_ws, sample
from xlflow.cli.watch import status_lines
from xlflow.config import load_workspace
from xlflow.demo import sample_language
from xlflow.errors import ConfigError
from xlflow.plan.build import build_plan
from xlflow.plan.raci import R_UNACCEPTED, TWO_A, RaciConflict
from xlflow.service.status import workspace_status
from xlflow.store.state import StateDB
from xlflow.watcher import process_inbox
from xlflow.week.master import write_master
from xlflow.week.master.dashboard import count_step

AS_OF = D(2026, 11, 20)


def _raci(item: str, **cells: str) -> dict:
    return {"item": item, **{f"raci:{d}": v for d, v in cells.items()}}


def test_raci_conflicts_across_departments_on_the_dependencies_sheet(tmp_path):
    ws = make_ws(tmp_path / "ws")
    plan = build_plan([
        submission("PMO", [task("PMO-1", D(2026, 11, 2), D(2026, 12, 4))],
                   raci=[_raci("Spec review", PMO="A", RD="R"), _raci("Launch budget", PMO="A", MK="R"),
                         _raci("Press kit", PMO="A/R", RD="C")]),
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 12, 4))],
                   raci=[_raci(" spec  REVIEW ", RD="A/R", PMO="I"), _raci("Press kit", PMO="A", RD="R", MK="R")]),
        submission("MK", [task("MK-1", D(2026, 11, 2), D(2026, 12, 4))],
                   raci=[_raci("Launch budget", PMO="A", MK="C", RD="R")]),
    ], ws, AS_OF)
    # Spec review: A = PMO (PMO's row) and A = RD (RD's row). Launch budget: PMO names MK R, MK's own
    # row gives MK C; MK names RD R, and RD's matrix has no row for it. Press kit: RD names MK R
    # and MK's matrix has no row for it; RD itself is R in its own row, so PMO's "C" is no conflict.
    assert plan.raci_conflicts == [
        RaciConflict(TWO_A, "Spec review", ("PMO", "RD"), ("PMO", "RD")),
        RaciConflict(R_UNACCEPTED, "Launch budget", ("MK",), ("PMO",)),
        RaciConflict(R_UNACCEPTED, "Launch budget", ("RD",), ("MK",)),
        RaciConflict(R_UNACCEPTED, "Press kit", ("MK",), ("RD",)),
    ]
    out = write_master(plan, ws, tmp_path / "master.xlsx", "en").path
    rows = [r for r in openpyxl.load_workbook(out, read_only=True)["Dependencies"].iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("RACI conflicts across departments"))
    assert rows[start][0] == "RACI conflicts across departments (4)"
    assert rows[start + 2][:4] == ("More than one department is A (accountable) for the same item", "Spec review",
                                   "PMO, RD", "PMO, RD")
    assert rows[start + 3][1:4] == ("Launch budget", "MK", "PMO")


def test_a_department_without_a_matrix_is_not_judged(tmp_path):
    ws = make_ws(tmp_path / "ws")
    plan = build_plan([submission("PMO", [], raci=[_raci("Spec review", PMO="A", RD="R", MK="R")]),
                       submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 12, 4))])], ws, AS_OF)
    assert plan.raci_conflicts == []


def test_a_blocked_task_is_never_on_track(tmp_path):
    ws = make_ws(tmp_path / "ws")
    plan = build_plan([submission("RD", [
        task("RD-1", D(2026, 11, 2), D(2027, 1, 29), "blocked", reason="Budget"),
        task("RD-2", D(2026, 11, 2), D(2027, 1, 29), "in_progress"),
        task("RD-3", D(2026, 11, 2), D(2026, 11, 10), "blocked", reason="Budget")])], ws, AS_OF)
    health = {t.task_id: (t.health, t.effective_status) for t in plan.tasks}
    assert health == {"RD-1": ("blocked", "blocked"), "RD-2": ("on_track", "in_progress"),
                      "RD-3": ("overdue", "delayed")}
    out = write_master(plan, ws, tmp_path / "m.xlsx", "en").path
    rows = list(openpyxl.load_workbook(out, read_only=True)["Master WBS"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "Task ID" in r)
    col = rows[header].index("Health")
    assert [r[col] for r in rows[header + 1:] if r[0]] == ["Blocked", "On track", "Overdue"]


def test_the_dashboard_count_axis_steps_by_whole_tasks(tmp_path):
    assert [count_step(n) for n in (0, 3, 10, 11, 25, 60, 101, 999)] == [1, 1, 1, 2, 5, 10, 20, 100]
    ws = make_ws(tmp_path / "ws")
    plan = build_plan([submission("RD", [task(f"RD-{i}", D(2026, 11, 2), D(2026, 12, 4)) for i in range(1, 4)])],
                      ws, AS_OF)
    out = write_master(plan, ws, tmp_path / "m.xlsx", "en").path
    with zipfile.ZipFile(out) as zf:
        bar = next(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/")
                   and "<c:barChart>" in zf.read(n).decode())
    value_axis = bar[bar.index("<c:valAx>"):bar.index("</c:valAx>")]
    assert '<c:majorUnit val="1"/>' in value_axis and 'formatCode="0"' in value_axis
    assert '<c:min val="0"/>' in value_axis


def test_times_are_shown_in_the_workspaces_time_zone(tmp_path):
    ws = make_sample_ws(tmp_path / "ws")
    config = ws.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8").replace('code = "NPL-2026"', 'code = "NPL-2026"\ntimezone = "Asia/Shanghai"'),
                      "utf-8")
    ws = load_workspace(ws.root)
    utc = dt.datetime(2026, 11, 20, 7, 5, tzinfo=dt.UTC)
    StateDB(ws.state_db).record_submission("RD", "rd.xlsx", "a" * 64, utc, "rejected", 1, 0)
    lines = status_lines(ws, workspace_status(ws, utc), "en")
    assert "status as of 2026-11-20 15:05" in lines[0]
    assert any("| rd.xlsx | 2026-11-20 15:05 | rejected" in line for line in lines)
    assert not any(re.search(r"\d\dT\d\d:", line) for line in lines)  # no ISO "T" times
    config.write_text(config.read_text("utf-8").replace("Asia/Shanghai", "Mars/Olympus"), "utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(ws.root)
    assert "Mars/Olympus" in err.value.message("en") and "timezone" in err.value.message("en")


def test_a_single_file_watcher_run_logs_the_master_update(tmp_path):
    ws = make_sample_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / sample("RD").name)
    (outcome,) = process_inbox(ws, AS_OF, "en")
    assert outcome.result == "accepted" and outcome.master is not None
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert f"The master is updated with the file just accepted: {outcome.master}" in log


def test_the_demo_speaks_the_samples_language_not_the_locale(monkeypatch):
    monkeypatch.delenv("XLFLOW_LANG", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert sample_language() == "zh"  # the bundled sample is Chinese
    monkeypatch.setenv("XLFLOW_LANG", "en")
    assert sample_language() == "en"
