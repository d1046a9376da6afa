"""One merge per burst: files dropped into the inbox together are merged once, after the last of
them, by the real watcher on a real folder (issue 21). Merges are counted by the snapshots the
state database records (one per merge) and by the dated and replaced masters in master/history/."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time

from watch_helpers import SAMPLE_DEPTS, inbox_names, make_ws, results, running, sample, variant, wait_until
from xlflow.store.state import StateDB
from xlflow.watcher import Watcher

AS_OF = dt.date(2026, 11, 20)


def merges(ws) -> int:
    with StateDB(ws.state_db).transaction() as con:
        return con.execute("SELECT count(*) FROM snapshots").fetchone()[0]


def replaced(ws) -> list[str]:
    folder = ws.folder("master") / "history"
    return sorted(p.name for p in folder.glob("*-replaced-*")) if folder.is_dir() else []


def _drop(tmp_path, ws, count: int, tag: str) -> list[str]:
    staging = tmp_path / f"burst-{tag}"
    names = []
    for i in range(count):
        dept = SAMPLE_DEPTS[i % len(SAMPLE_DEPTS)]
        names.append(variant(sample(dept, 46), staging / f"{tag}{i:02d}_{dept}.xlsx", f"{tag}{i}").name)
    for name in names:  # as a bulk copy does: complete files renamed in, one after the other
        os.replace(staging / name, ws.folder("inbox") / name)
    return names


def test_a_burst_dropped_at_once_is_merged_once_by_the_running_watcher(tmp_path):
    ws = make_ws(tmp_path / "ws", settle_seconds=0.3)
    with running(ws, today=lambda: AS_OF) as watcher:
        names = _drop(tmp_path, ws, 7, "a")
        wait_until(lambda: len(results(ws)) >= 7, timeout=120)
        wait_until(lambda: not StateDB(ws.state_db).merge_due() and merges(ws) >= 1)
        time.sleep(1.5)  # a rescan: nothing more may happen
        assert merges(ws) == 1
        names += _drop(tmp_path, ws, 5, "b")  # a second burst: one more merge, which replaces the first master
        wait_until(lambda: len(results(ws)) >= 12, timeout=120)
        wait_until(lambda: not StateDB(ws.state_db).merge_due() and merges(ws) >= 2)
        time.sleep(1.5)
    assert sorted(r[0] for r in results(ws)) == sorted(names) and all(r[2] == "accepted" for r in results(ws))
    assert merges(ws) == 2 and len(replaced(ws)) == 1  # the first burst's master, replaced once
    assert len(watcher.outcomes) == 12 and inbox_names(ws) == []


def test_watch_once_merges_a_burst_once(tmp_path):
    ws = make_ws(tmp_path / "ws", settle_seconds=0.2)
    _drop(tmp_path, ws, 6, "c")
    outcomes = Watcher(ws, today=lambda: AS_OF).run_once()
    assert [o.result for o in outcomes] == ["accepted"] * 6
    assert merges(ws) == 1 and not StateDB(ws.state_db).merge_due() and replaced(ws) == []
    shutil.copyfile(sample("CS", 47), ws.folder("inbox") / "cs.xlsx")  # rejected alone: nothing to merge
    assert [o.result for o in Watcher(ws, today=lambda: AS_OF).run_once()] == ["rejected"]
    assert merges(ws) == 1
