"""The task snapshots' bytes per week and the merge's snapshot step, with a merge every working day.

    python benchmarks/bench_snapshots.py -d 12 -t 150 -w 3                 # this checkout
    python benchmarks/bench_snapshots.py -d 12 -t 150 -w 3 --tree ../main  # another checkout's xlflow

Rows shaped as MasterPlan.snapshot_rows() makes them (benchmarks/data.py's tasks); each working day
some open tasks progress (percent, status, done with a finish date), a few move a due date, every
open task past due counts one more day late, and each Monday every department adds two tasks and
drops one. Each day's merge runs what service/merge.py's _record does for the snapshot: encode
(against the base the database gives, where the checkout has one) and record_merge, timed in
process CPU. Prints the snapshot table's bytes per week (kept rows) and the step's median CPU.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows_for(departments: int, tasks: int, rng: random.Random) -> list[dict]:
    from data import tasks_for

    codes = [f"D{i:03d}" for i in range(1, departments + 1)]
    out = []
    for code in codes:
        for t in tasks_for(code, tasks, codes, rng):
            out.append({"department": code, "task_id": t["task_id"], "name": t["name"], "owner": t["owner"],
                        "owner_department": code, "status": t["status"], "reported_status": t["status"],
                        "health": "on_track", "percent": t["percent"], "start": t["start"], "due": t["due"],
                        "reason": t["reason"], "predecessors": [p.strip() for p in t["predecessors"].split(",") if p],
                        "successors_other_depts": [], "days_late": None, "actual_finish": t["actual_finish"]})
    return out


def next_day(rows: list[dict], day: dt.date, rng: random.Random, serial: list[int]) -> list[dict]:
    rows = [dict(r) for r in rows]
    for r in rows:
        if r["status"] == "done":
            continue
        if rng.random() < 0.06:
            r["percent"] = min(100, (r["percent"] or 0) + 20)
            r["status"] = r["reported_status"] = "done" if r["percent"] >= 100 else "in_progress"
            r["actual_finish"] = day if r["status"] == "done" else None
        elif rng.random() < 0.01:
            r["due"] = r["due"] + dt.timedelta(days=7)
        late = (day - r["due"]).days
        r["days_late"] = late if late > 0 and r["status"] != "done" else None
        r["status"] = "delayed" if r["days_late"] else r["reported_status"]
    if day.weekday() == 0:
        for code in sorted({r["department"] for r in rows}):
            mine = [i for i, r in enumerate(rows) if r["department"] == code]
            del rows[rng.choice(mine)]
            at = max(i for i, r in enumerate(rows) if r["department"] == code) + 1
            for _ in range(2):
                serial[0] += 1
                rows.insert(at, {**rows[at - 1], "task_id": f"{code}-N{serial[0]}", "status": "not_started",
                                 "reported_status": "not_started", "percent": 0, "actual_finish": None})
    return rows


def run(departments: int, tasks: int, weeks: int) -> None:
    from xlflow.store import snapshots
    from xlflow.store.state import StateDB

    rng = random.Random(21)
    rows, serial = rows_for(departments, tasks, rng), [0]
    delta = hasattr(StateDB, "snapshot_base")
    with tempfile.TemporaryDirectory() as tmp:
        db = StateDB(Path(tmp) / "x.sqlite")
        cpu = []
        day = dt.date(2026, 6, 1)  # a Monday
        for _ in range(weeks * 7):
            if day.weekday() < 5:
                rows = next_day(rows, day, rng, serial)
                start = time.process_time()
                blob, _tasks = snapshots.encoded(rows, db.snapshot_base(day)) if delta else snapshots.encoded(rows)
                db.record_merge(day, "master.xlsx", rows, blob)
                cpu.append(time.process_time() - start)
            day += dt.timedelta(days=1)
        with sqlite3.connect(db.path) as con:
            (size,) = con.execute("SELECT sum(length(tasks)) FROM snapshots").fetchone()
    print(f"{'delta' if delta else 'full'} snapshots, {departments} × {tasks} tasks, {weeks} weeks of daily merges:"
          f" {size / weeks / 1000:.1f} kB/week; snapshot step median {statistics.median(cpu) * 1000:.1f} ms CPU"
          f" (first {cpu[0] * 1000:.1f} ms, max {max(cpu) * 1000:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--departments", type=int, default=12)
    parser.add_argument("-t", "--tasks", type=int, default=150)
    parser.add_argument("-w", "--weeks", type=int, default=3)
    parser.add_argument("--tree", type=Path, default=HERE.parent, help="the checkout whose xlflow to time")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(args.tree.resolve()))
    run(args.departments, args.tasks, args.weeks)


if __name__ == "__main__":
    main()
