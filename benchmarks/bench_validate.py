"""Benchmark: validating one department workbook of 2,000 tasks (the issue asks "well under a second").

    python benchmarks/bench_validate.py            # 2,000 tasks, 7 runs
    python benchmarks/bench_validate.py -t 500 -r 5

The workbook is made by xlflow's own generator (benchmarks/data.py). Timed in this run:
- naive: pandas read_excel(engine="openpyxl", header found by hand) + a Python loop over the rows
  checking required fields and the status list — what a coordinator would script, with far fewer checks;
- read: xlflow.xlsx.read.read_workbook alone (safety checks + our XML reader);
- check_file: read + every spec rule + cross-field rules, i.e. what intake and `xlflow validate` do.
Prints medians and the ratio to the naive baseline; never asserts on time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import make_department_files, make_workspace  # noqa: E402
from xlflow.check.validate import check_file  # noqa: E402
from xlflow.xlsx.read import read_workbook  # noqa: E402


def naive(path: Path) -> int:
    import pandas as pd

    frame = pd.read_excel(path, sheet_name="任务分解表", header=6, engine="openpyxl", dtype=object)
    problems = 0
    allowed = {"未开始", "进行中", "已完成", "滞后", "阻塞"}
    for row in frame.itertuples(index=False):
        if all(pd.isna(v) for v in row):
            continue
        if pd.isna(row[0]) or pd.isna(row[1]) or row[7] not in allowed:
            problems += 1
    return problems


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-t", "--tasks", type=int, default=2000)
    parser.add_argument("-r", "--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_workspace(Path(tmp) / "ws", 3)
        path = make_department_files(ws, Path(tmp) / "files", args.tasks)[0]
        sub = check_file(path, ws)
        rows = len(sub.data.rows("wbs", "tasks")) if sub.data else 0
        print(f"workbook: {path.name}, {path.stat().st_size / 1024:.0f} KB, {rows} task rows, "
              f"{len(sub.report.errors)} errors, {len(sub.report.warnings)} warnings")
        t_naive = median_time(lambda: naive(path), args.runs)
        t_read = median_time(lambda: read_workbook(path), args.runs)
        t_check = median_time(lambda: check_file(path, ws), args.runs)
    print(f"naive pandas+loop : {t_naive * 1000:8.1f} ms (median of {args.runs})")
    print(f"xlflow read       : {t_read * 1000:8.1f} ms")
    print(f"xlflow check_file : {t_check * 1000:8.1f} ms   ratio vs naive: {t_check / t_naive:.2f}x")


if __name__ == "__main__":
    main()
