"""Issue 18 item 9: a past week is never rewritten. A coordinator merges the sample project for week
46, then week 47 (each department's file through the real intake), and then merges for week 46
again, merges files by hand, and merges with the clock behind the record: week 46's brief, its dated
master and its record stay byte-identical, and a master for a past day uses that day's versions."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from guard_e2e_helpers import run
from past_helpers import DUE46, DUE47, W46, W47, D, drop as _drop
from watch_helpers import make_ws
from xlflow.cli import main
from xlflow.service.merge import master_paths, merge_workspace
from xlflow.service.weekly import make_brief
from xlflow.store.state import StateDB
from xlflow.week.brief import render_brief
from xlflow.week.build import load_week


def _state(ws) -> dict[str, object]:
    """What must not change: week 46's brief, its dated master, the records."""
    db = StateDB(ws.state_db)
    html, text = render_brief(ws, make_brief(ws, W46, "en"))
    last = db.last_merge()
    return {"brief": (html, text), "dated": master_paths(ws, W46)[1].read_bytes(),
            "dated47": master_paths(ws, W47)[1].read_bytes(), "last": last, "day": db.last_recorded_day(),
            "history": sorted(p.name for p in (ws.folder("master") / "history").iterdir())}


@pytest.fixture
def two_weeks(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "RD", DUE46, W46)
    _drop(ws, "MK", DUE46, W46)
    run(ws, W46)
    _drop(ws, "RD", DUE47, W47)
    run(ws, W47)
    return ws


def _due(result, task_id: str = "RD-001") -> dt.date | None:
    return next(t.due for t in result.plan.tasks if t.task_id == task_id)


def test_a_merge_for_a_past_day_needs_out_and_uses_that_days_versions(two_weeks, tmp_path):
    ws, before = two_weeks, _state(two_weeks)
    master = master_paths(ws, W47)[0].read_bytes()
    refused = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", W46.isoformat(), "--lang", "en"])
    assert refused.exit_code == 2 and "recorded weeks are never rewritten" in refused.output
    out = tmp_path / "week46.xlsx"
    done = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", W46.isoformat(), "--out", str(out),
                                     "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert "version received by the end of 2026-11-13" in done.output and out.is_file()
    assert _state(ws) == before and master_paths(ws, W47)[0].read_bytes() == master
    result = merge_workspace(ws, as_of=W46, out=tmp_path / "again.xlsx")
    assert _due(result) == DUE46  # week 46's version, not the one received on the 20th
    assert _state(ws) == before


def test_a_past_day_whose_version_left_the_archive_is_refused(two_weeks, tmp_path):
    ws = two_weeks
    first = next(r for r in StateDB(ws.state_db).versions("RD") if r.version == 1)
    Path(first.archive_path).write_bytes(b"changed")
    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", W46.isoformat(),
                                    "--out", str(tmp_path / "x.xlsx"), "--lang", "en"])
    assert out.exit_code == 1 and "RD's version v1 of that day is missing from the archive" in out.output
    assert not (tmp_path / "x.xlsx").exists()


def test_a_merge_of_given_files_writes_only_its_out(two_weeks, tmp_path):
    ws, before = two_weeks, _state(two_weeks)
    master = master_paths(ws, W47)[0].read_bytes()
    given = _drop(ws, "RD", D(2026, 12, 31), W47)
    refused = CliRunner().invoke(main, ["merge", "-w", str(ws.root), str(given), "--lang", "en"])
    assert refused.exit_code == 2 and "--out" in refused.output
    out = tmp_path / "given.xlsx"
    done = CliRunner().invoke(main, ["merge", "-w", str(ws.root), str(given), "--as-of", W47.isoformat(),
                                     "--out", str(out), "--lang", "en"])
    assert done.exit_code == 0, done.output
    assert out.is_file() and _state(ws) == before and master_paths(ws, W47)[0].read_bytes() == master


def test_a_clock_behind_the_record_warns_and_keeps_it(two_weeks):
    ws, before = two_weeks, _state(two_weeks)
    result = merge_workspace(ws, as_of=W46)  # as the watcher merges when the computer's clock went back
    assert any("check the computer's clock" in line for line in result.summary("en"))
    assert result.week is None and result.history_path is None
    after = _state(ws)  # the master it replaced is kept in history/ as every replaced master is
    kept, had = after.pop("history"), before.pop("history")
    assert set(had) < set(kept) and len(kept) == len(had) + 1 and after == before
    assert _due(result) == DUE47  # the master is the coordinator's working file: the current versions


def test_a_merge_as_of_a_day_after_the_record_uses_the_versions_at_that_days_end(tmp_path):
    """Week 46 is recorded; R&D's week-47 version is taken in on the 20th but not merged. A merge as of
    the 16th (after the last recorded merge, before today) uses the version R&D had then, as the
    rebuild's replay of that day does, not the one received on the 20th."""
    from dataclasses import replace

    from guard_e2e_helpers import received
    from xlflow.service.intake import Intake

    ws = make_ws(tmp_path / "ws")
    _drop(ws, "RD", DUE46, W46)
    _drop(ws, "MK", DUE46, W46)
    run(ws, W46)
    path = _drop(ws, "RD", DUE47, W47)
    quick = replace(ws, watch=replace(ws.watch, settle_seconds=0.0))  # a complete file: no settle wait
    assert Intake(quick).process_file(path, W47, now=received(W47, 9), merge=False).result == "accepted"
    day = W46 + dt.timedelta(days=3)
    done = CliRunner().invoke(main, ["merge", "-w", str(ws.root), "--as-of", day.isoformat(), "--lang", "en"])
    assert done.exit_code == 0, done.output
    week = load_week(ws, day)
    assert next(t.due for t in week.tasks if t.task_id == "RD-001") == DUE46  # not the version of the 20th
    assert _due(merge_workspace(ws, as_of=W47)) == DUE47  # on the 20th: the newest
