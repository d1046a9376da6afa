"""The scorecard never misses a task it was told of (issue 18 item 13): task IDs kept from another
parse (swapped cache entries before digests were kept, another config) and a task blocked and then
taken out of the plan are read from the rows, without a KeyError."""
from __future__ import annotations

from types import SimpleNamespace

from xlflow.features.scorecard import week as scoreweek


def _tasks(monkeypatch, kept: list[str], rows: dict[str, dict]) -> scoreweek._Tasks:
    monkeypatch.setattr(scoreweek, "task_rows", lambda sub: rows)
    sub = SimpleNamespace(data=SimpleNamespace(rows=lambda form, table: []), sha256="f" * 64)
    return scoreweek._Tasks(scoreweek._Rows(lambda: sub, kept, {}))


def test_ids_kept_from_another_parse_are_replaced_by_the_rows(monkeypatch):
    rows = {"MK-001": {"status": "done"}, "MK-002": {"status": "blocked"}}
    assert dict(_tasks(monkeypatch, ["RD-001", "RD-002"], rows)) == rows
    tasks = _tasks(monkeypatch, ["RD-001", "MK-001"], rows)
    assert sorted(tasks) == ["MK-001", "RD-001"]  # nothing decoded yet: what was kept
    assert tasks.get("MK-002") == {"status": "blocked"}
    assert sorted(tasks) == ["MK-001", "MK-002"] and len(tasks) == 2  # decoded: the rows
    assert [tasks[t] for t in tasks] == [rows["MK-001"], rows["MK-002"]]
    assert list(tasks.values()) == list(rows.values())


def test_a_task_blocked_then_taken_out_of_the_plan_leaves_the_scorecard_working(tmp_path):
    import datetime as dt

    from click.testing import CliRunner

    from guard_e2e_helpers import label, run_one, submit, task
    from watch_helpers import make_ws
    from xlflow.cli import main

    ws = make_ws(tmp_path / "ws")
    blocked = task("RD", 2, status=label("blocked"), reason="waiting for parts")
    submit(ws, "RD", [task("RD", 1), blocked], dt.date(2026, 11, 13))
    assert run_one(ws, dt.date(2026, 11, 13)).result == "accepted"
    submit(ws, "RD", [task("RD", 1)], dt.date(2026, 11, 20))
    second = run_one(ws, dt.date(2026, 11, 20))
    assert second.result == "accepted", second.line("en")
    for command in (["merge", "--as-of", "2026-11-20"], ["summary", "--as-of", "2026-11-20"], ["export", "tables"]):
        out = CliRunner().invoke(main, [*command, "-w", str(ws.root), "--lang", "en"])
        assert out.exit_code == 0 and not isinstance(out.exception, KeyError), (command, out.output, out.exception)
