"""`xlflow watch --once --as-of DATE`: the inbox processed as on that day (the merge as of it, the
files received then), so a project's life can be replayed (benchmarks/bench_life.py; issue 21)."""
from __future__ import annotations

import datetime as dt
import shutil

from click.testing import CliRunner

from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.store.state import StateDB


def test_watch_once_as_of_a_day_merges_and_receives_on_that_day(tmp_path):
    ws = make_ws(tmp_path / "ws", settle_seconds=0)
    config = ws.root / "xlflow.toml"  # a zone other than the machine's: the time given is the project's
    config.write_text(config.read_text("utf-8").replace("[project]\n", '[project]\ntimezone = "Pacific/Auckland"\n', 1),
                      "utf-8")
    ws = load_workspace(ws.root)
    assert ws.project.timezone == "Pacific/Auckland"
    for dept in ("RD", "MK"):
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / sample(dept, 46).name)
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once", "--as-of", "2026-11-12"])
    assert out.exit_code == 0, out.output
    db = StateDB(ws.state_db)
    assert {s.received.date() for s in db.submissions()} == {dt.date(2026, 11, 12)}
    assert db.last_merge().as_of == dt.date(2026, 11, 12)
    shutil.copyfile(sample("SA", 46), ws.folder("inbox") / "sa.xlsx")
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once", "--as-of", "2026-11-13T09:30"])
    assert out.exit_code == 0, out.output
    last = db.submissions()[-1]
    assert ws.local(last.received).replace(tzinfo=None) == dt.datetime(2026, 11, 13, 9, 30)


def test_as_of_needs_once_and_a_date(tmp_path):
    ws = make_ws(tmp_path / "ws")
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--as-of", "2026-11-12", "--lang", "en"])
    assert out.exit_code == 2 and "--as-of works only with --once" in out.output
    out = CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once", "--as-of", "12/11/2026", "--lang", "en"])
    assert out.exit_code == 2 and "12/11/2026" in out.output
