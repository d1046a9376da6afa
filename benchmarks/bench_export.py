"""Benchmark: the exports of the week (MS Project XML and the BI tables) on a generated plan.

    python benchmarks/bench_export.py            # 100 departments × 500 tasks, 3 runs
    python benchmarks/bench_export.py -d 10 -t 100 -r 5

The plan comes from the merge benchmark's generator (benchmarks/data.py: Chinese names, owners,
chains of predecessors inside a department, one task in ten waiting on another department),
turned straight into a WeekState: the exports render a week, they do not merge one.
Times, interleaved in this run, the median of:

- naive mspdi: the task list alone as XML (UID, name, start, finish), the floor any writer pays;
- xlflow mspdi: the whole file (outline, links, resources, assignments, baselines, calendar);
- naive tables: pandas DataFrame of the task dataclasses, to_csv;
- xlflow tables csv / xlsx: every table, typed.
Prints medians and ratios; never asserts on time.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def generated_week(ws, tasks_per_dept: int):
    from data import tasks_for
    from xlflow.week.state import DepartmentWeek, Task, WeekState
    from xlflow.workdays import week_of

    rng = random.Random(7)
    codes = [d.code for d in ws.departments]
    tasks = []
    for code in codes:
        for r in tasks_for(code, tasks_per_dept, codes, rng):
            preds = tuple(p.strip() for p in r["predecessors"].split(",") if p.strip())
            tasks.append(Task(code, r["task_id"], r["name"], r["owner"], code, r["start"], r["due"], r["status"],
                              r["status"], float(r["percent"]), r["reason"] or "", preds,
                              actual_finish=r["actual_finish"], baseline_start=r["start"], baseline_due=r["due"], slip=0))
    as_of = dt.date(2026, 6, 12)
    depts = tuple(DepartmentWeek(c, tasks_per_dept, 0, 0, 0, 0.0, True, None, 1) for c in codes)
    return WeekState(ws.project.code, week_of(as_of), as_of, as_of, tuple(tasks), depts)


def naive_mspdi(state, path: Path) -> None:
    root = Element("Project", xmlns="http://schemas.microsoft.com/project")
    block = SubElement(root, "Tasks")
    for uid, t in enumerate(state.tasks, start=1):
        el = SubElement(block, "Task")
        for tag, value in (("UID", uid), ("Name", t.name), ("Start", t.start), ("Finish", t.due)):
            SubElement(el, tag).text = str(value)
    ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def naive_tables(state, folder: Path) -> None:
    import pandas as pd

    pd.DataFrame([dataclasses.asdict(t) for t in state.tasks]).to_csv(folder / "naive.csv", index=False)


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-d", "--departments", type=int, default=100)
    ap.add_argument("-t", "--tasks", type=int, default=500)
    ap.add_argument("-r", "--repeat", type=int, default=3)
    args = ap.parse_args()
    import pandas  # noqa: F401 - imported once up front, so no run pays for it

    from data import make_workspace
    from xlflow.export.columns import TABLES
    from xlflow.export.frames import write_csv
    from xlflow.export.mspdi import write_mspdi
    from xlflow.export.tables import write_xlsx
    from xlflow.workdays import WorkCalendar

    tmp = Path(tempfile.mkdtemp(prefix="xlflow-bench-export-"))
    ws = make_workspace(tmp / "ws", args.departments)
    state = generated_week(ws, args.tasks)
    cal = WorkCalendar.from_settings(ws.calendar)
    print(f"{args.departments} departments × {args.tasks} tasks = {len(state.tasks):,} tasks, "
          f"{sum(len(t.predecessors) for t in state.tasks):,} predecessor references")
    runs: dict[str, list[float]] = {k: [] for k in ("naive mspdi", "xlflow mspdi", "naive tables", "xlflow csv",
                                                    "xlflow xlsx")}
    for _ in range(args.repeat):  # interleaved
        runs["naive mspdi"].append(timed(naive_mspdi, state, tmp / "naive.xml"))
        runs["xlflow mspdi"].append(timed(write_mspdi, state, ws, cal, "zh", tmp / "plan.xml"))
        runs["naive tables"].append(timed(naive_tables, state, tmp))
        runs["xlflow csv"].append(timed(write_csv, state, tmp / "csv"))
        runs["xlflow xlsx"].append(timed(write_xlsx, state, tmp / "tables.xlsx"))
    med = {k: statistics.median(v) for k, v in runs.items()}
    size = (tmp / "plan.xml").stat().st_size
    print(f"naive mspdi (tasks only)   median {med['naive mspdi']:6.2f} s")
    print(f"xlflow mspdi (whole file)  median {med['xlflow mspdi']:6.2f} s   "
          f"{med['xlflow mspdi'] / med['naive mspdi']:4.1f}× the floor, {size / 2**20:.1f} MiB")
    print(f"naive tables (pandas csv)  median {med['naive tables']:6.2f} s")
    print(f"xlflow tables csv          median {med['xlflow csv']:6.2f} s   "
          f"{med['xlflow csv'] / med['naive tables']:4.1f}× naive ({len(TABLES)} typed tables)")
    print(f"xlflow tables xlsx         median {med['xlflow xlsx']:6.2f} s")


if __name__ == "__main__":
    main()
