"""`python -m xlflow watch` as a real process: killed with SIGKILL in the middle of a file and
restarted, killed at random moments during a burst, stopped with SIGTERM. Nothing received is
lost, nothing is processed twice (one archive copy, one feedback e-mail at a real SMTP server),
and the master is always a complete workbook, the previous one or the new one."""
from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from mail_helpers import SMTPServer
from watch_helpers import SAMPLE_DEPTS, dropped, inbox_names, make_ws, results, sample, variant, wait_until
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


@pytest.mark.parametrize("kill_in", ["archived", "merging"])  # after archiving; once recorded, while it merges
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
            if kill_in == "merging":  # recorded with "merge due" in one transaction, then merged
                return db.merge_due()
            entry = db.inbox_entry(book)
            return entry is not None and entry.state == kill_in

        wait_until(reached, timeout=30, step=0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # Killed: the file is archived; recorded only once it merges (then the merge is still due); the master is whole.
    assert any(p.read_bytes() == sample("MK").read_bytes() for p in ws.folder("archive").iterdir())
    assert zip_complete(master)
    if kill_in == "archived":
        assert book.exists() and results(ws) == [("rd.xlsx", "RD", "accepted")]
        assert master.read_bytes() == before
    else:
        assert results(ws) == [("rd.xlsx", "RD", "accepted"), ("mk.xlsx", "MK", "accepted")]

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


# --- a burst with random SIGKILLs: exactly once, one archive copy, one e-mail each ----------------

def _smtp_config(root, port: int) -> None:
    """[email] in xlflow.toml pointing at a plain SMTP server on 127.0.0.1."""
    config = root / "xlflow.toml"
    text = config.read_text("utf-8")
    text = re.sub(r'(?m)^host = "".*$', f'host = "127.0.0.1"\nport = {port}\ntimeout = 5.0', text, count=1)
    text = re.sub(r"(?m)^port = 587$", "", text)
    text = re.sub(r'(?m)^security = "starttls".*$', 'security = "none"', text)
    config.write_text(text, "utf-8")


def _burst(ws) -> dict[str, bytes]:
    """Two distinct versions of every sample department (week 46, then week 47: CS's is rejected) and
    two byte-identical copies of earlier files (duplicates); file name -> content, oldest first."""
    inbox, t0 = ws.folder("inbox"), time.time() - 600
    for week, offset in ((46, 0), (47, 100)):
        for i, dept in enumerate(SAMPLE_DEPTS):
            path = variant(sample(dept, week), inbox / f"w{week}_{dept.lower()}.xlsx", f"{week}{dept}")
            os.utime(path, (t0 + offset + i, t0 + offset + i))
    for i, name in enumerate(("w46_rd.xlsx", "w47_mk.xlsx")):
        copy = inbox / f"again_{name}"
        shutil.copyfile(inbox / name, copy)
        os.utime(copy, (t0 + 200 + i, t0 + 200 + i))
    return {p.name: p.read_bytes() for p in sorted(dropped(inbox), key=lambda p: p.stat().st_mtime)}


KILL_STATES = ("staged", "archived", "accepted", "rejected", "merged", "mailing", "mailed", "done")


def _kill_at_random_points(ws, rng: random.Random, kills: int, server: SMTPServer) -> list[str]:
    """Start the watcher and SIGKILL it, `kills` times: at a random moment once it watches, as soon
    as some file reaches a journal state drawn at random, or as soon as the SMTP server has taken
    a message (at most 3 s later). Returns what each kill hit."""
    hits = []
    log = ws.root / "logs" / "watch.log"
    db = StateDB(ws.state_db)
    first = rng.sample(["sent", "archived", "mailing", "staged", None], 5)  # each of these comes early
    for target in first + [rng.choice((None, "sent", *KILL_STATES)) for _ in range(kills - len(first))]:
        if not inbox_names(ws) and not db.inbox_entries():
            break  # all done already: nothing left to interrupt
        starts = log.read_text("utf-8").count("Watching") if log.exists() else 0
        mails = len(server.received)
        proc = xlflow(ws)
        try:
            wait_until(lambda starts=starts: log.exists() and log.read_text("utf-8").count("Watching") > starts,
                       timeout=30)
            if target is None:
                time.sleep(rng.uniform(0.0, 1.5))
            else:
                def reached(target: str = target, mails: int = mails) -> bool:
                    if target == "sent":  # the server has it; the journal does not know yet
                        return len(server.received) > mails
                    return any(e.state.value == target for e in db.inbox_entries())

                with contextlib.suppress(AssertionError):  # no file went through that state: killed anyway
                    wait_until(reached, timeout=3, step=0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        states = sorted({e.state.value for e in db.inbox_entries()} - {"seen"})
        hits.append(f"{target or 'time'}->{','.join(states) or '-'}")
    return hits


def test_a_burst_with_random_sigkills_processes_every_file_once_with_one_archive_copy_and_one_mail(
        tmp_path, tls_cert):
    seed = int(os.environ.get("XLFLOW_TEST_SEED") or time.time_ns() % 10**6)
    rng = random.Random(seed)
    ws = make_ws(tmp_path / "ws", settle_seconds=0.1, rescan_seconds=2.0)
    started = time.monotonic()
    with SMTPServer(*tls_cert, security="none") as server:
        _smtp_config(ws.root, server.port)
        files = _burst(ws)
        states = _kill_at_random_points(ws, rng, kills=8, server=server)
        done = xlflow(ws, "--once")
        out, _ = done.communicate(timeout=120)
        if list(ws.folder("outbox").glob("*.eml")):  # a mail a kill left unsent goes out with the next retry
            subprocess.run([sys.executable, "-m", "xlflow", "mail", "retry", "-w", str(ws.root)], timeout=60)
        received = list(server.received)
    why = f"seed {seed}; kills (aimed at -> journal states hit): {states}\n{out}"
    print(why.splitlines()[0])  # the seed and the kill points, shown with -s or on failure
    assert done.returncode == 0, why
    assert inbox_names(ws) == [] and StateDB(ws.state_db).inbox_entries() == [], why
    # processed exactly once: one recorded submission per file
    names = [name for name, _dept, _result in results(ws)]
    assert sorted(names) == sorted(files) and len(names) == len(files), why
    # one archive copy per file received (none for a duplicate of earlier content), its bytes as received
    result_of = {name: result for name, _dept, result in results(ws)}
    archived = {p.name: p for p in ws.folder("archive").iterdir()}
    for name, data in files.items():
        copies = [p for a, p in archived.items() if _file_of(a, files) == name]
        assert len(copies) == (result_of[name] != "duplicate"), (name, sorted(archived), why)
        assert all(p.read_bytes() == data for p in copies), (name, why)
    assert len(archived) == sum(r != "duplicate" for r in result_of.values()), why
    assert "duplicate" in result_of.values() and "rejected" in result_of.values(), why
    # one feedback e-mail per file: one .eml, and one message (one Message-ID) at the server
    emls = [p for p in (*ws.folder("outbox").glob("*.eml"), *(ws.folder("outbox") / "sent").glob("*.eml"))
            if "feedback-" in p.name]
    subjects = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"] for p in emls]
    at_server: dict[str, set[str]] = {}
    for r in received:
        at_server.setdefault(_file_of(r.message["Subject"], files), set()).add(r.message["Message-ID"])
    for name in files:
        assert sum(_file_of(s, files) == name for s in subjects) == 1, (name, why)
        assert len(at_server.get(name, ())) == 1, (name, at_server.get(name), why)
    # SMTP cannot be exactly once: a kill after the server took a message but before its 250 reply
    # reached xlflow leaves the .eml unsent in outbox/, and the retry sends it again with the same
    # Message-ID (mail clients show one mail). Only kills at such a moment may add a message.
    window = sum(h.startswith(("sent->", "time->")) for h in states)
    assert len(files) <= len(received) <= len(files) + window, ([r.message["Subject"] for r in received], why)
    assert time.monotonic() - started < 60, why


def _file_of(subject: str, files: dict[str, bytes]) -> str:
    """The file a feedback subject names (the longest match: again_w46_rd.xlsx before w46_rd.xlsx)."""
    return max((name for name in files if name in subject), key=len, default="?")
