"""Benchmark: xlflow merge vs the script a user would write, on generated department workbooks.

    python benchmarks/bench_merge.py --quick            # 10 × 100, a few seconds
    python benchmarks/bench_merge.py                    # 100 × 500 and 500 × 200 (several minutes)
    python benchmarks/bench_merge.py -d 100 -t 500 -r 3 # one scenario

Each scenario generates N department workbooks of M tasks with xlflow's own generator
(benchmarks/data.py), places them in accepted/ with their sidecars, and times, interleaved in
this run (each repeat runs every one once, so a machine that slows down weighs on all alike):

- naive: pandas read_excel(engine="openpyxl") per file, concat, to_excel, then openpyxl
  to colour the status cells — what a coordinator would script;
- xlflow cold: merge_workspace with an empty cache: every file is read AND fully validated
  (check_file), the plan built, the master written with every sheet;
- xlflow warm: the same after the cache holds each parsed submission, which is the state
  after intake (each file is checked once, when it arrives);
- incremental: one department sends a new version; the re-merge reads only that file.

Every xlflow timing runs in a fresh child process, which also reports its peak memory.
Prints medians and ratios; never asserts on time.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

AS_OF = "2026-06-12"


def child_merge(root: str, lang: str) -> None:
    """Run inside a fresh process: one merge_workspace, print seconds and peak RSS as JSON."""
    import datetime as dt

    from xlflow.config import load_workspace
    from xlflow.service.merge import merge_workspace

    ws = load_workspace(root)
    start = time.perf_counter()
    result = merge_workspace(ws, as_of=dt.date.fromisoformat(AS_OF), lang=lang)
    seconds = time.perf_counter() - start
    peak = peak_rss()
    print(json.dumps({"seconds": seconds, "peak": peak, "parsed": result.parsed, "cached": result.cached,
                      "tasks": len(result.plan.tasks), "master": str(result.master_path)}))


def peak_rss() -> int:
    """This process's peak resident memory in bytes. On Linux VmHWM: ru_maxrss of a process
    started by another also counts what that parent held when it forked (the benchmark
    process holds the naive script's data), so it reported the parent's size, not the merge's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def run_child(root: Path, lang: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(root), "--lang", lang],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def naive(files: list[Path], out: Path, sheet: str, header_row: int, status_label: str, colours: dict) -> float:
    """What a user would write: pandas with openpyxl in, concat, to_excel, then colour status cells."""
    import openpyxl
    import pandas as pd
    from openpyxl.styles import PatternFill

    start = time.perf_counter()
    frames = []
    for f in files:
        df = pd.read_excel(f, sheet_name=sheet, header=header_row, engine="openpyxl")
        df = df.dropna(how="all")
        df.insert(0, "department", f.stem)
        frames.append(df)
    merged = pd.concat(frames, ignore_index=True)
    merged.to_excel(out, index=False, engine="openpyxl")
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    col = [c.value for c in ws[1]].index(status_label) + 1
    fills = {label: PatternFill("solid", fgColor=colour.lstrip("#")) for label, colour in colours.items()}
    for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
        if cell.value in fills:
            cell.fill = fills[cell.value]
    wb.save(out)
    return time.perf_counter() - start


def wbs_layout(path: Path, lang: str) -> tuple[str, int, str]:
    """The task sheet's name, its header row (0-based) and the status header, found as a user would."""
    import openpyxl

    from xlflow.spec.catalog import load_catalog

    form = load_catalog().form("wbs")
    sheet = form.sheet(lang)
    first = form.table("tasks").fields[0].label(lang)
    status = next(f for f in form.table("tasks").fields if f.key == "status").label(lang)
    wb = openpyxl.load_workbook(path, read_only=True)
    for i, row in enumerate(wb[sheet].iter_rows(max_row=40, values_only=True)):
        if row and str(row[0] or "").strip().rstrip("*").strip() == first:
            wb.close()
            return sheet, i, status
    raise SystemExit("task header not found")


def accept_all(ws, files: list[Path], department: str | None = None, version: int = 1) -> None:
    """Each file becomes its department's accepted version (recorded in the state database where
    xlflow keeps that record, so the merge trusts accepted/)."""
    import hashlib

    from xlflow.store.accepted import write_accepted

    for f in files:
        write_accepted(ws, f, department or f.stem, f.name, "2026-06-10T10:00:00+08:00",
                       hashlib.sha256(f.read_bytes()).hexdigest(), version)


def timeline_weight(master: Path, lang: str) -> tuple[int, int]:
    """Bytes of the timeline sheet's XML and its number of <c> cells."""
    from xlflow.i18n import msg

    name = msg("master-sheet-timeline", lang)
    with zipfile.ZipFile(master) as zf:
        wbxml = zf.read("xl/workbook.xml").decode()
        sheets = [s.split('name="')[1].split('"')[0] for s in wbxml.split("<sheet ")[1:]]
        xml = zf.read(f"xl/worksheets/sheet{sheets.index(name) + 1}.xml")
    return len(xml), xml.count(b"<c ")


def scenario(departments: int, tasks: int, repeat: int, lang: str, keep: Path | None) -> dict:
    from data import make_department_files, make_workspace
    from xlflow.spec.catalog import load_catalog

    tmp = Path(tempfile.mkdtemp(prefix="xlflow-bench-", dir=keep))
    try:
        ws = make_workspace(tmp / "ws", departments, lang)
        t0 = time.perf_counter()
        files = make_department_files(ws, tmp / "files", tasks)
        gen = time.perf_counter() - t0
        accept_all(ws, files)
        sheet, header_row, status_label = wbs_layout(files[0], lang)
        status = load_catalog().enums["status"]
        colours = {c.label(lang): c.colour for c in status.values}
        print(f"\n== {departments} departments × {tasks} tasks = {departments * tasks:,} tasks "
              f"(generated in {gen:.1f} s)")

        import random

        from data import (
            department_workbook,  # a new version of one department's workbook
        )
        cache = ws.root / ".cache"
        naive_times, cold, warm, incr = [], [], [], []
        for i in range(repeat):  # interleaved: a machine that slows down mid-run weighs on every column alike
            naive_times.append(naive(files, tmp / "naive.xlsx", sheet, header_row, status_label, colours))
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(run_child(ws.root, lang))
            warm.append(run_child(ws.root, lang))
            code = files[i % len(files)].stem
            new = department_workbook(ws, code, tmp / "files" / f"{code}-v{i + 2}.xlsx", tasks,
                                      random.Random(1000 + i))
            accept_all(ws, [new], code, i + 2)  # as intake would: a version the state database knows
            incr.append(run_child(ws.root, lang))
            if any(r["tasks"] != departments * tasks for r in (cold[-1], warm[-1], incr[-1])):
                raise SystemExit("a merge left tasks out: the generated workbooks are not all valid")
            print(f"  run {i + 1}: naive {naive_times[-1]:.2f} s, cold {cold[-1]['seconds']:.2f} s, "
                  f"warm {warm[-1]['seconds']:.2f} s, incremental {incr[-1]['seconds']:.2f} s", flush=True)
        med = lambda xs: statistics.median(xs)  # noqa: E731
        n_med = med(naive_times)
        c_med, w_med, i_med = (med([r["seconds"] for r in rs]) for rs in (cold, warm, incr))
        peak = max(r["peak"] for r in cold + warm + incr)
        peaks = {kind: max(r["peak"] for r in runs) / 2**20 for kind, runs in (("cold", cold), ("warm", warm),
                                                                              ("incremental", incr))}
        tl_bytes, tl_cells = timeline_weight(Path(cold[-1]["master"]), lang)
        result = {
            "tasks": departments * tasks, "naive": n_med, "cold": c_med, "warm": w_med, "incremental": i_med,
            "peak_mib": peak / 2**20, "timeline_kib": tl_bytes / 1024, "timeline_cells": tl_cells,
            "incr_parsed": incr[-1]["parsed"],
        }
        print(f"naive (pandas+openpyxl)     median {n_med:7.2f} s")
        print(f"xlflow cold (validate all)  median {c_med:7.2f} s   {n_med / c_med:5.1f}× faster than naive")
        print(f"xlflow warm (after intake)  median {w_med:7.2f} s   {n_med / w_med:5.1f}× faster than naive")
        print(f"xlflow incremental (1 new)  median {i_med:7.2f} s   {100 * i_med / c_med:5.0f} % of cold, "
              f"{100 * i_med / w_med:4.0f} % of warm; files read: {incr[-1]['parsed']}")
        print(f"peak memory of a merge      {peak / 2**20:7.0f} MiB   ("
              + ", ".join(f"{kind} {mib:.0f}" for kind, mib in peaks.items()) + ")")
        print(f"timeline sheet              {tl_bytes / 1024:7.0f} KiB, {tl_cells:,} cells for "
              f"{departments * tasks:,} tasks (a value per task and week would be far more)")
        return result
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 departments × 100 tasks, 1 run")
    ap.add_argument("-d", "--departments", type=int)
    ap.add_argument("-t", "--tasks", type=int)
    ap.add_argument("-r", "--repeat", type=int, default=3)
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    ap.add_argument("--keep", type=Path, default=None, help="make the temp folders here and keep them")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_merge(args.child, args.lang)
        return
    import os
    import platform

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    if args.quick:
        plan = [(10, 100, 1)]
    elif args.departments and args.tasks:
        plan = [(args.departments, args.tasks, args.repeat)]
    else:
        plan = [(100, 500, args.repeat), (500, 200, args.repeat)]
    for d, t, r in plan:
        scenario(d, t, r, args.lang, args.keep)


if __name__ == "__main__":
    main()
