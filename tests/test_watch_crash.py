"""`python -m xlflow watch` as a real process: killed with SIGKILL in the middle of a file and
restarted, stopped with SIGTERM. Nothing received is lost, nothing is processed twice, and the
master is always a complete workbook, the previous one or the new one."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from watch_helpers import inbox_names, make_ws, results, sample, wait_until

from xlflow.service.intake import zip_complete
from xlflow.service.merge import master_paths
from xlflow.store.state import StateDB
from xlflow.watcher import Watcher

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def xlflow(ws, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "xlflow", "watch", "-w", str(ws.root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def started(ws) -> bool:
    log = ws.root / "logs" / "watch.log"
    return log.exists() and "Watching" in log.read_text("utf-8")


@pytest.mark.parametrize("kill_in", ["archived", "accepted"])  # after archiving; while the master is written
def test_sigkill_mid_file_then_restart(tmp_path, kill_in):
    ws = make_ws(tmp_path / "ws", settle_seconds=0.2)
    shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
    Watcher(ws).run_once()
    master = master_paths(ws, dt.date.today())[0]
    before = master.read_bytes()

    proc = xlflow(ws)
    try:
        wait_until(lambda: started(ws), timeout=30)
        book = ws.folder("inbox") / "mk.xlsx"
        shutil.copyfile(sample("MK"), book)
        db = StateDB(ws.state_db)

        def reached() -> bool:
            entry = db.inbox_entry(book)
            return entry is not None and entry.state == kill_in

        wait_until(reached, timeout=30, step=0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # Killed: the file is archived, still in the inbox, not recorded; the master is whole.
    assert book.exists() and results(ws) == [("rd.xlsx", "RD", "accepted")]
    assert any(p.read_bytes() == sample("MK").read_bytes() for p in ws.folder("archive").iterdir())
    assert zip_complete(master)
    assert master.read_bytes() == before or kill_in == "accepted"

    restarted = xlflow(ws, "--once")
    out, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, out
    assert results(ws) == [("rd.xlsx", "RD", "accepted"), ("mk.xlsx", "MK", "accepted")]
    assert inbox_names(ws) == [] and len(list(ws.folder("archive").iterdir())) == 2
    db = StateDB(ws.state_db)
    assert db.accepted_version("MK") == 1 and db.inbox_entries() == []
    assert zip_complete(master) and master.read_bytes() != before
    assert {t.department for t in db.latest_snapshot_before(dt.date.today(), inclusive=True)[1]} == {"RD", "MK"}
    mk_mails = [p for p in ws.folder("outbox").glob("*.eml") if "feedback-MK-" in p.name]
    assert len(mk_mails) == 1  # the submitter hears back exactly once
    assert not list((ws.root / ".xlflow" / "staging").glob("*/*"))  # no staged copies left behind


def test_sigterm_stops_cleanly(tmp_path):
    ws = make_ws(tmp_path / "ws")
    proc = xlflow(ws)
    try:
        wait_until(lambda: started(ws), timeout=30)
        shutil.copyfile(sample("SA"), ws.folder("inbox") / "sa.xlsx")
        wait_until(lambda: results(ws), timeout=30)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "Stopped." in out and "sa.xlsx | department SA | accepted" in out
    time.sleep(0.1)
    assert results(ws) == [("sa.xlsx", "SA", "accepted")]
