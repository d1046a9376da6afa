"""The watcher with the real watchdog observer on a real folder: what shared folders do to files."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time

from watch_helpers import (
    SAMPLE_DEPTS,
    inbox_names,
    make_ws,
    results,
    running,
    sample,
    variant,
    wait_until,
    write_slowly,
)
from xlflow.store.state import StateDB


def processed(ws, count: int, timeout: float = 30.0) -> list:
    wait_until(lambda: len(results(ws)) >= count, timeout=timeout)
    return results(ws)


def test_backlog_first_then_new_files(tmp_path):
    ws = make_ws(tmp_path / "ws")
    shutil.copyfile(sample("RD"), ws.folder("inbox") / sample("RD").name)  # arrived while not running
    with running(ws) as watcher:
        assert processed(ws, 1) == [(sample("RD").name, "RD", "accepted")]
        shutil.copyfile(sample("MK"), ws.folder("inbox") / sample("MK").name)
        processed(ws, 2)
        wait_until(lambda: inbox_names(ws) == [])
    assert [o.department for o in watcher.outcomes] == ["RD", "MK"]
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert f"{sample('MK').name} | department MK | accepted | errors: 0" in log


def test_a_file_written_slowly_in_chunks(tmp_path):
    ws = make_ws(tmp_path / "ws", settle_seconds=0.5)
    target = ws.folder("inbox") / sample("RD").name
    with running(ws):
        write_slowly(sample("RD"), target, chunks=6, pause=0.3)  # longer than the settle time in total
        assert processed(ws, 1) == [(target.name, "RD", "accepted")]
        time.sleep(1.0)
    assert len(results(ws)) == 1
    archived = list(ws.folder("archive").iterdir())
    assert len(archived) == 1 and archived[0].read_bytes() == sample("RD").read_bytes()
    assert inbox_names(ws) == []


def test_a_lock_file_appearing_and_disappearing(tmp_path):
    ws = make_ws(tmp_path / "ws", owner_file_max_wait=30)
    book = ws.folder("inbox") / sample("SA").name
    owner = ws.folder("inbox") / f"~${book.name}"
    with running(ws):
        owner.write_bytes(b"owner: zhang qiang")  # Excel opens the file...
        shutil.copyfile(sample("SA"), book)
        time.sleep(1.5)  # settled long ago, but still open: postponed
        assert results(ws) == [] and book.exists()
        owner.unlink()  # ...and closes it
        assert processed(ws, 1) == [(book.name, "SA", "accepted")]
    assert inbox_names(ws) == []


def test_a_stale_owner_file_only_postpones_up_to_the_limit(tmp_path):
    ws = make_ws(tmp_path / "ws", owner_file_max_wait=1.5)
    book = ws.folder("inbox") / sample("MF").name
    (ws.folder("inbox") / f"~${book.name}").write_bytes(b"left behind by WPS")
    with running(ws):
        shutil.copyfile(sample("MF"), book)
        started = time.monotonic()
        assert processed(ws, 1) == [(book.name, "MF", "accepted")]
        assert time.monotonic() - started >= 1.2
    assert inbox_names(ws) == [f"~${book.name}"]  # not ours to delete


def test_excel_save_through_a_temp_file_and_rename(tmp_path):
    ws = make_ws(tmp_path / "ws")
    inbox = ws.folder("inbox")
    with running(ws):
        temp = inbox / "Cedd4100"  # Excel's extension-less temp file
        shutil.copyfile(sample("FN"), temp)
        (inbox / "~WRL0001.tmp").write_bytes(b"scratch")
        os.replace(temp, inbox / sample("FN").name)
        (inbox / "~WRL0001.tmp").unlink()
        assert processed(ws, 1) == [(sample("FN").name, "FN", "accepted")]
        time.sleep(1.0)
    assert len(results(ws)) == 1 and inbox_names(ws) == []


def test_a_file_moved_in_from_elsewhere(tmp_path):
    ws = make_ws(tmp_path / "ws")
    outside = tmp_path / "desktop" / sample("PMO").name
    outside.parent.mkdir()
    shutil.copyfile(sample("PMO"), outside)
    with running(ws):
        shutil.move(outside, ws.folder("inbox") / outside.name)
        assert processed(ws, 1) == [(outside.name, "PMO", "accepted")]


def test_fifty_files_at_once_each_processed_exactly_once(tmp_path):
    ws = make_ws(tmp_path / "ws", settle_seconds=0.2)
    staging = tmp_path / "burst"
    names = []
    for i in range(50):
        dept = SAMPLE_DEPTS[i % len(SAMPLE_DEPTS)]
        names.append(variant(sample(dept, 46), staging / f"{i:02d}_{dept}.xlsx", str(i)).name)
    with running(ws) as watcher:
        for name in names:  # as fast as a bulk copy: rename complete files in
            os.replace(staging / name, ws.folder("inbox") / name)
        rows = processed(ws, 50, timeout=120)
        time.sleep(1.5)  # a rescan or two: nothing more may happen
    rows = results(ws)
    assert sorted(r[0] for r in rows) == sorted(names)  # each exactly once
    assert all(r[2] == "accepted" for r in rows)
    assert [o.path.name for o in watcher.outcomes] == [r[0] for r in rows]
    assert len(list(ws.folder("archive").iterdir())) == 50 and inbox_names(ws) == []
    db = StateDB(ws.state_db)
    assert sum(db.accepted_version(d) for d in SAMPLE_DEPTS) == 50
    # The master holds the last version of every department: merged after the burst, not 50 times.
    assert not db.merge_due()
    merges = db.snapshots_between(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    assert {t.department for t in merges[-1][1]} == set(SAMPLE_DEPTS)
    assert len(merges) < 50


def test_the_rescan_finds_what_no_event_reported_and_restarts_the_observer(tmp_path):
    ws = make_ws(tmp_path / "ws", rescan_seconds=1.0)
    with running(ws) as watcher:
        deaf = watcher.observer
        deaf.unschedule_all()  # the emitter is gone but the thread lives on, as on a dropped share
        shutil.copyfile(sample("CS", 46), ws.folder("inbox") / "cs.xlsx")
        past = time.time() - 60
        os.utime(ws.folder("inbox") / "cs.xlsx", (past, past))
        assert processed(ws, 1) == [("cs.xlsx", "CS", "accepted")]
        wait_until(lambda: watcher.observer is not deaf and watcher.observer is not None)
        shutil.copyfile(sample("RD", 46), ws.folder("inbox") / "rd.xlsx")  # the new observer hears this one
        processed(ws, 2)
    log = (ws.root / "logs" / "watch.log").read_text("utf-8")
    assert "no event reported" in log


def test_a_dead_observer_is_replaced(tmp_path):
    ws = make_ws(tmp_path / "ws")
    with running(ws) as watcher:
        dead = watcher.observer
        dead.stop()
        dead.join(5)
        # read the attribute once: the watcher sets it to None between stopping and replacing
        wait_until(lambda: (current := watcher.observer) is not None and current is not dead and current.is_alive())
        shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
        processed(ws, 1)


def test_polling_observer(tmp_path):
    ws = make_ws(tmp_path / "ws", rescan_seconds=600)  # only the poller can find the file in time
    with running(ws, poll=0.2) as watcher:
        assert type(watcher.observer).__name__ == "PollingObserver"
        shutil.copyfile(sample("MK"), ws.folder("inbox") / "mk.xlsx")
        assert processed(ws, 1) == [("mk.xlsx", "MK", "accepted")]


def test_an_exception_in_processing_does_not_stop_the_watcher(tmp_path, monkeypatch):
    from xlflow.service import intake as inbox

    ws = make_ws(tmp_path / "ws")
    calls = []
    real = inbox.Intake.process_file

    def flaky(self, path, as_of, **kw):
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("bug")
        return real(self, path, as_of, **kw)

    monkeypatch.setattr(inbox.Intake, "process_file", flaky)
    monkeypatch.setattr("xlflow.watcher.Watcher.BUG_RETRY_SECONDS", 0.5)
    with running(ws):
        shutil.copyfile(sample("RD"), ws.folder("inbox") / "rd.xlsx")
        assert processed(ws, 1) == [("rd.xlsx", "RD", "accepted")]
    assert "bug" in (ws.root / "logs" / "watch.log").read_text("utf-8")


def test_only_one_watcher_per_workspace(tmp_path):
    import pytest

    from xlflow.errors import WatchBusy
    from xlflow.store.lock import workspace_lock

    ws = make_ws(tmp_path / "ws")
    # flock is per open file: a second open conflicts like a second process
    with workspace_lock(ws), pytest.raises(WatchBusy), workspace_lock(ws):
        pass
    with workspace_lock(ws):  # released on exit
        pass


def test_network_shares_are_polled(tmp_path):
    from pathlib import Path

    from xlflow.store.lock import on_network_share
    from xlflow.watcher import Watcher

    assert on_network_share(Path(r"\\fileserver\projects\inbox")) and on_network_share(Path("//fileserver/inbox"))
    assert not on_network_share(tmp_path)
    ws = make_ws(tmp_path / "ws", poll=True)
    assert Watcher(ws).poll == 5.0 and Watcher(make_ws(tmp_path / "ws2")).poll is None
