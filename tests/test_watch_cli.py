"""`xlflow watch --once` and `xlflow status` through the command line; the weekly schedule hook."""
from __future__ import annotations

import datetime as dt
import re
import shutil

from click.testing import CliRunner

from watch_helpers import inbox_names, make_ws, running, sample, wait_until
from xlflow.cli import main
from xlflow.config import WEEKDAYS, load_workspace


def test_watch_once_processes_the_inbox_and_exits(tmp_path):
    ws = make_ws(tmp_path / "ws")
    for dept in ("RD", "CS"):
        shutil.copyfile(sample(dept), ws.folder("inbox") / sample(dept).name)
    (ws.folder("inbox") / f"~${sample('RD').name}.tmp").write_bytes(b"x")  # noise, ignored
    result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "| department" in line]
    assert len(lines) == 2
    assert re.search(r"NPL-2026_RD_研发部\.xlsx \| department RD \| accepted \| errors: 0, warnings: \d+ \| [\d.]+ s", lines[0])
    assert "department CS | rejected" in lines[1]
    assert "Done: 2 files processed." in result.output
    assert inbox_names(ws) == [f"~${sample('RD').name}.tmp"]
    assert "department RD | accepted" in (ws.root / "logs" / "watch.log").read_text("utf-8")


def test_status_shows_submissions_missing_departments_and_the_last_merge(tmp_path):
    ws = make_ws(tmp_path / "ws")
    runner = CliRunner()
    empty = runner.invoke(main, ["status", "-w", str(ws.root)])
    assert empty.exit_code == 0 and "No merge yet." in empty.output
    assert "R&D | nothing submitted yet" in empty.output
    for dept in ("RD", "CS"):
        shutil.copyfile(sample(dept), ws.folder("inbox") / sample(dept).name)
    runner.invoke(main, ["watch", "-w", str(ws.root), "--once"])

    out = runner.invoke(main, ["status", "-w", str(ws.root)]).output
    assert re.search(r"RD\s+R&D \| NPL-2026_RD_研发部\.xlsx \| \d{4}-\d\d-\d\d \d\d:\d\d \| accepted \| accepted version 1",
                     out)
    assert re.search(r"CS\s+Customer Service \| .* \| rejected \| accepted version -", out)
    missing = next(line for line in out.splitlines() if line.startswith("Not submitted this week"))
    assert "RD" not in missing.split(":", 1)[1] and "PMO" in missing and "FN" in missing
    assert "Last merge:" in out and "NPL-2026-master.xlsx" in out
    zh = runner.invoke(main, ["status", "-w", str(ws.root), "--lang", "zh"]).output
    assert "最近一次合并" in zh and "研发部" in zh


def test_watch_refuses_a_second_watcher(tmp_path):
    from xlflow.errors import WatchBusy
    from xlflow.store.lock import workspace_lock

    ws = make_ws(tmp_path / "ws")
    with workspace_lock(ws):
        result = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"])
    assert result.exit_code == WatchBusy.exit_code == 1 and "Another xlflow watch" in result.output
    assert "Traceback" not in result.output


def test_status_on_a_database_from_a_newer_xlflow_says_what_to_do(tmp_path):
    """A newer schema is not a bug: one clear bilingual sentence (what, which file, what to do), exit 1."""
    import sqlite3

    from xlflow.store.state import StateDB

    ws = make_ws(tmp_path / "ws")
    StateDB(ws.state_db)
    with sqlite3.connect(ws.state_db) as con:
        con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.close()
    for lang, words in (("en", "Upgrade xlflow"), ("zh", "升级 xlflow")):
        result = CliRunner().invoke(main, ["status", "-w", str(ws.root), "--lang", lang])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # an exit, not a crash
        assert words in result.output and str(ws.state_db) in result.output and "99" in result.output
        assert "Traceback" not in result.output and "RuntimeError" not in result.output


def test_the_watcher_sends_the_weekly_brief_when_due(tmp_path):
    ws = make_ws(tmp_path / "ws", schedule=True)
    config = ws.root / "xlflow.toml"
    today = WEEKDAYS[dt.date.today().weekday()]
    text = re.sub(r'(?m)^send_weekday = .*$', f'send_weekday = "{today}"', config.read_text("utf-8"))
    text = re.sub(r'(?m)^send_time = .*$', 'send_time = "00:00"', text)
    text = re.sub(r'(?m)^reminder_weekday = .*$', "", text)
    config.write_text(text, "utf-8")
    ws = load_workspace(ws.root)
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    with running(ws, schedule=True):
        wait_until(lambda: list(ws.folder("outbox").glob("*brief*.eml")), timeout=60)
    assert list(ws.folder("reports").glob("*.html"))
    assert "weekly brief is written" in (ws.root / "logs" / "watch.log").read_text("utf-8")
