"""Close-out: the readiness items, the final report and the lessons, from hand-built weeks."""
from __future__ import annotations

import openpyxl
import pytest

from portclose_helpers import D, action, change, milestone, move, risk, state, task
from xlflow.closeout.lessons import append_register, lessons_of, lessons_settings, read_register, similar
from xlflow.closeout.readiness import BLOCK, WARN, assess
from xlflow.closeout.report import write_final_report
from xlflow.closeout.retro import Retro
from xlflow.errors import ConfigError
from xlflow.plan.model import status_codes
from xlflow.service.scaffold import init_workspace

RETRO = Retro("RD", D(2027, 1, 28), ({"criterion": "上市", "target": "1/31", "actual": "2/3", "met": "no"},),
              ({"kind": "highlight", "description": "问题响应快30%", "root_cause": "每日站会"},
               {"kind": "problem", "description": "=设计返工两次", "root_cause": "没有变更评审"}),
              ({"measure": "建立变更评审", "owner": "王磊", "deadline": D(2027, 3, 1)},))


def closing_state():
    tasks = [task("PMO", "PMO-001", "done", 100), task("RD", "RD-001", "delayed", 60, due=D(2026, 11, 18), slip=2),
             task("RD", "RD-002", "done", 100, name="功能样机")]
    return state("X1", tasks, changes=(change("CR-1"), change("CR-2", status="approved")),
                 moves=(move("RD-001", "unapproved"), move("RD-002", "approved")),
                 risks=(risk("RD", "R-1", D(2026, 11, 2)), risk("PMO", "R-2", D(2026, 11, 2), "closed")),
                 actions=(action("MK"), action("PMO", "done")), milestones=(milestone("功能样机", D(2026, 11, 27)),))


def test_every_kind_of_item_with_its_level():
    ready = assess(closing_state(), status_codes(), {"RD": RETRO})
    found = {(i.level, i.kind, i.ref or i.department) for i in ready.items}
    assert found == {(BLOCK, "task", "RD-001"), (BLOCK, "change", "CR-1"), (WARN, "risk", "R-1"),
                     (WARN, "action", "M-03"), (BLOCK, "retro", "PMO")}
    assert ready.no_cancelled  # enums.toml has no cancelled status: every task not done is listed
    assert "RD-001" in ready.blocks[0].line("en") and "[BLOCK]" in ready.blocks[0].line("zh")


def test_a_cancelled_task_with_a_reason_does_not_block_when_the_status_exists():
    tasks = [task("RD", "RD-1", "cancelled", reason="scope cut"), task("RD", "RD-2", "cancelled")]
    ready = assess(state("X1", tasks, departments=("RD",)), (*status_codes(), "cancelled"), {"RD": RETRO})
    assert [(i.kind, i.ref) for i in ready.blocks] == [("task", "RD-2")] and not ready.no_cancelled
    assert "reason" in ready.blocks[0].line("en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_final_report_sheets_read_back(sample_ws, tmp_path, lang):
    st = closing_state()
    ready = assess(st, status_codes(), {"RD": RETRO})
    path = write_final_report(sample_ws, st, ready, {"RD": RETRO}, D(2026, 11, 20), True,
                              tmp_path / "final.xlsx", lang)
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 8
    readiness = [r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [r[0] for r in readiness[:-1]] == ["BLOCK", "BLOCK", "WARN", "WARN", "BLOCK"]
    assert "enums.toml" in readiness[-1][0]  # the note under the table
    departments = {r[0]: r for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert departments["RD"][2:4] == (2, 1) and departments["RD"][6] == 2  # tasks, done, largest slip
    changes = list(wb.worksheets[5].iter_rows(min_row=2, values_only=True))
    assert changes[0][4] == "=push RD-004" and wb.worksheets[5]["E2"].data_type == "s"  # text, never a formula
    retros = [r for r in wb.worksheets[7].iter_rows(min_row=2, values_only=True)]
    assert {r[1] for r in retros} >= {"做得好的" if lang == "zh" else "Went well"}
    milestones = list(wb.worksheets[3].iter_rows(min_row=2, max_row=2, values_only=True))
    assert milestones[0][0] == "功能样机" and milestones[0][5] == "RD-002"


def test_lessons_register_appends_and_replaces_a_project(tmp_path):
    register = tmp_path / "org" / "lessons.xlsx"
    one = lessons_of("X1", D(2026, 11, 20), {"RD": RETRO})
    assert [lesson.category for lesson in one] == ["highlight", "problem", "improvement"]
    append_register(register, one, "zh")
    append_register(register, lessons_of("X2", D(2026, 12, 20), {"MK": RETRO}), "en")
    append_register(register, one, "en")  # X1 closed again: its rows replaced, not doubled
    rows = read_register(register)
    assert sorted({r.project for r in rows}) == ["X1", "X2"] and len(rows) == 6
    assert {r.category for r in rows} == {"highlight", "problem", "improvement"}  # codes, whatever the language
    assert rows[0].what == "问题响应快30%" and rows[0].closed_on == D(2026, 12, 20)
    picked = similar(rows, {"RD", "PMO"}, 1)
    assert {r.project for r in picked} == {"X1"}


def test_lessons_settings_report_a_wrong_key_with_its_line(tmp_path):
    ws = init_workspace(tmp_path / "ws", "en", sample=True)
    config = ws.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8") + '\n[lessons]\nregister = "org/lessons.xlsx"\nshow = -1\n', "utf-8")
    from xlflow.config import load_workspace

    with pytest.raises(ConfigError) as err:
        lessons_settings(load_workspace(ws.root))
    text = err.value.message("en")
    assert "lessons.show" in text and f"line {len(config.read_text('utf-8').splitlines())}" in text
    config.write_text(config.read_text("utf-8").replace("show = -1", "show = 2"), "utf-8")
    settings = lessons_settings(load_workspace(ws.root))
    assert settings.register == (ws.root / "org" / "lessons.xlsx").resolve() and settings.show == 2


def test_init_shows_the_lessons_of_similar_projects(tmp_path):
    from click.testing import CliRunner

    from xlflow.cli import main

    register = tmp_path / "org" / "lessons.xlsx"
    append_register(register, lessons_of("X0", D(2025, 6, 1), {"QA": RETRO}), "en")
    append_register(register, lessons_of("X1", D(2026, 11, 20), {"RD": RETRO}), "zh")
    out = CliRunner().invoke(main, ["init", str(tmp_path / "new"), "--sample", "--lang", "en",
                                    "--lessons", str(register)])
    assert out.exit_code == 0, out.output
    assert "Lessons of similar projects" in out.output
    lines = [line for line in out.output.splitlines() if line.startswith("  [")]
    assert lines[0].startswith("  [X1 2026-11-20] RD Problem: =设计返工两次 — 没有变更评审")
    assert all("X0" not in line for line in lines)  # X0 shares no department with the new project


def test_the_register_waits_for_another_close_and_takes_over_a_stale_lock(tmp_path):
    import os
    import threading
    import time

    from xlflow.closeout import lessons

    register = tmp_path / "lessons.xlsx"
    lock = tmp_path / "lessons.xlsx.lock"
    lock.write_text("")
    release = threading.Timer(0.5, lock.unlink)
    release.start()
    append_register(register, lessons_of("X1", D(2026, 11, 20), {"RD": RETRO}), "en")  # waited for the other
    assert not lock.exists() and len(read_register(register)) == 3
    lock.write_text("")
    old = time.time() - 3600
    os.utime(lock, (old, old))  # left by a crashed run an hour ago
    append_register(register, lessons_of("X2", D(2026, 12, 1), {"RD": RETRO}), "en")
    assert len(read_register(register)) == 6
    lock.write_text("")
    with pytest.raises(lessons.RegisterBusy), lessons._register_lock(register, wait=0.3):
        pass
