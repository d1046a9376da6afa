"""From a file becoming stable in the inbox to the updated master on disk.

    python benchmarks/bench_watch.py            # 50 departments × 200 tasks, 5 runs (target < 2 s)
    python benchmarks/bench_watch.py --quick    # 10 × 100, 3 runs

Steady state first: every department has an accepted workbook and the master is merged.
Then, per run, one department sends a new version (a different workbook, made by xlflow's
own generator) and we time, in the same run:

- intake: Intake.process_file on the settled file — copy to staging, hash, archive,
  validate, accept, re-merge (only the new file is read; the others come from the
  parse cache), write the master, snapshot the tasks, feedback e-mail, record;
- naive: what an intake without the cache would do — validate the new file, then re-read
  and re-check every accepted workbook and write the master (the merge cache emptied);
- watcher end to end: the real observer and worker, from the rename into the inbox to the
  new master on disk, minus the configured settle time (the wait that defines "stable").

Prints medians and the ratio naive / intake.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from data import department_workbook, make_department_files, make_workspace  # noqa: E402
from xlflow.check.validate import check_file  # noqa: E402
from xlflow.config import load_workspace  # noqa: E402
from xlflow.service.intake import Intake  # noqa: E402
from xlflow.service.merge import master_paths, merge_workspace  # noqa: E402
from xlflow.store.accepted import write_accepted  # noqa: E402

AS_OF = dt.date(2026, 6, 12)
SETTLE = 0.5


def new_version(ws, code: str, tasks: int, seed: int, out: Path) -> Path:
    """A department's next workbook: same tasks, different progress."""
    return department_workbook(ws, code, out, tasks, random.Random(seed))


def steady_state(ws, files: list[Path]) -> None:
    """Every department accepted once (through the intake's own accept step) and one full merge."""
    for f in files:
        write_accepted(ws, f, f.stem, f.name, "2026-06-10T10:00:00+08:00", "-", 1)  # sidecar sha is informative only
    merge_workspace(ws, as_of=AS_OF)  # records the task snapshot too


def time_intake(ws, path: Path) -> float:
    intake = Intake(ws)
    assert intake.check_ready(path) is None, "not settled"
    master = master_paths(ws, AS_OF)[0]
    before = master.stat().st_mtime_ns
    t0 = time.perf_counter()
    outcome = intake.process_file(path, as_of=AS_OF)
    seconds = time.perf_counter() - t0
    assert outcome.result == "accepted", (outcome.result, outcome.note)
    assert master.stat().st_mtime_ns != before, "master not rewritten"
    return seconds


def time_naive(ws, path: Path) -> float:
    t0 = time.perf_counter()
    check_file(path, ws, dt.datetime.now().astimezone())
    shutil.rmtree(ws.root / ".cache", ignore_errors=True)
    merge_workspace(ws, as_of=AS_OF)
    return time.perf_counter() - t0


def time_watcher(ws, files: list[Path]) -> list[float]:
    """Seconds from the rename into the inbox to the new master, minus the settle time."""
    from xlflow.watcher import Watcher

    watcher = Watcher(ws, today=lambda: AS_OF)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    master = master_paths(ws, AS_OF)[0]
    out = []
    try:
        while watcher.observer is None:
            time.sleep(0.01)
        for f in files:
            before = master.stat().st_mtime_ns
            t0 = time.perf_counter()
            os.replace(f, ws.folder("inbox") / f.name)
            while master.stat().st_mtime_ns == before:
                time.sleep(0.005)
            out.append(time.perf_counter() - t0 - ws.watch.settle_seconds)
            while any(p for p in ws.folder("inbox").iterdir() if not p.name.startswith(".")):  # the marker stays
                time.sleep(0.01)
    finally:
        watcher.stop()
        thread.join(30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 departments × 100 tasks, 3 runs")
    ap.add_argument("-d", "--departments", type=int, default=50)
    ap.add_argument("-t", "--tasks", type=int, default=200)
    ap.add_argument("-r", "--repeat", type=int, default=5)
    args = ap.parse_args()
    depts, tasks, repeat = (10, 100, 3) if args.quick else (args.departments, args.tasks, args.repeat)

    tmp = Path(tempfile.mkdtemp(prefix="xlflow-bench-watch-"))
    try:
        ws = make_workspace(tmp / "ws", depts, "zh")
        with open(ws.root / "xlflow.toml", "a", encoding="utf-8") as fh:
            fh.write(f"\n[watch]\nsettle_seconds = {SETTLE}\nrescan_seconds = 60\n")
        ws = load_workspace(ws.root)
        t0 = time.perf_counter()
        files = make_department_files(ws, tmp / "files", tasks)
        steady_state(ws, files)
        print(f"== {depts} departments × {tasks} tasks = {depts * tasks:,} tasks "
              f"(set up in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs)")

        codes = [d.code for d in ws.departments]
        intake_s, naive_s = [], []
        for i in range(repeat):
            code = codes[i % len(codes)]
            path = new_version(ws, code, tasks, 1000 + i, ws.folder("inbox") / f"{code}_v{i + 2}.xlsx")
            naive_s.append(time_naive(ws, path))
            Intake(ws).check_ready(path)  # first look: records size and mtime
            time.sleep(ws.watch.settle_seconds)
            intake_s.append(time_intake(ws, path))

        drops = [new_version(ws, codes[(repeat + i) % len(codes)], tasks, 2000 + i,
                             tmp / "drops" / f"{codes[(repeat + i) % len(codes)]}_w{i}.xlsx")
                 for i in range(repeat)]
        watched = time_watcher(ws, drops)

        med = statistics.median
        print(f"intake, stable file → master on disk   median {med(intake_s):6.2f} s   "
              f"(min {min(intake_s):.2f}, max {max(intake_s):.2f}; target < 2 s)")
        print(f"naive (no cache: re-read everything)   median {med(naive_s):6.2f} s   "
              f"{med(naive_s) / med(intake_s):4.1f}× slower than the intake")
        print(f"watcher end to end, after settling     median {med(watched):6.2f} s   "
              f"(min {min(watched):.2f}, max {max(watched):.2f}; settle {ws.watch.settle_seconds} s not counted)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
