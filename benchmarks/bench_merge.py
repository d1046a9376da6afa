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
  `--change random` (the default): the new version is a fresh random workbook (every task's
  dates, status, name and links to other departments change); `--change week`: it is the
  previous version after what a week usually brings (a few statuses progressed, a few
  percentages raised, one or two due dates moved, no link changed);
- the I/O floor: unzip every input workbook and zip the master's parts again (zipfile, zlib's deflate
  at level 1) — what any merge must at least do; printed also with ISA-L's deflate, which xlflow
  packs the master with since issue 21 (a lower floor: the ratios are given against both).

Every xlflow timing runs in a fresh child process, which also reports its peak memory and CPU.
Prints medians and ratios; never asserts on time.

    python benchmarks/bench_merge.py -d 20 -t 300 -r 5 --before ../wt-before

`--before DIR` times a second checkout (with its own DIR/.venv) on the same files in the same
run: each repeat runs both, in alternating order, on a workspace each made by its own code, and
the paired ratios (before ÷ after, per repeat) are printed with the medians.
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
    start, cpu = time.perf_counter(), time.process_time()
    result = merge_workspace(ws, as_of=dt.date.fromisoformat(AS_OF), lang=lang)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_rss()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak, "parsed": result.parsed, "cached": result.cached,
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


def run_child(root: Path, lang: str, tree: Path | None = None) -> dict:
    """One merge in a fresh process of this checkout, or of `tree` (its .venv and its own script).
    "process_cpu": the child's whole CPU time (start-up and imports included), measured the same for both."""
    cmd = ([str(tree / ".venv" / "bin" / "python"), str(tree / "benchmarks" / "bench_merge.py")] if tree
           else [sys.executable, __file__])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([*cmd, "--child", str(root), "--lang", lang], check=True, capture_output=True, text=True,
                         env=_env(tree))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found["process_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return found


SETUP = """
import random, sys
from pathlib import Path
sys.path.insert(0, "benchmarks")
from bench_merge import accept_all
from data import department_workbook, make_department_files, make_workspace
from xlflow.config import load_workspace
root, lang, tasks, code, repeat = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
if code == "-":  # a new workspace of int(sys.argv[6]) departments, its files made by this code
    ws = make_workspace(root, int(sys.argv[6]), lang)
    accept_all(ws, make_department_files(ws, root.parent / (root.name + "-files"), tasks))
else:  # the new version of repeat `repeat` (0-based), as the benchmark makes it
    ws = load_workspace(root)
    new = department_workbook(ws, code, root.parent / (root.name + "-files") / f"{code}-v{repeat + 2}.xlsx",
                              tasks, random.Random(1000 + repeat))
    accept_all(ws, [new], code, repeat + 2)
"""


def setup_in(tree: Path, root: Path, lang: str, tasks: int, code: str = "-", repeat: int = 0,
             departments: int = 0) -> None:
    """`tree`'s own code makes the workspace at `root` and its files (the form may differ between
    checkouts, so each side's workbooks are its generator's, from the same seeds), or a new version
    of `code`'s workbook accepted into it."""
    subprocess.run([str(tree / ".venv" / "bin" / "python"), "-c", SETUP, str(root), lang, str(tasks), code,
                    str(repeat), str(departments)], check=True, cwd=tree, env=_env(tree))


def _env(tree: Path | None) -> dict[str, str] | None:
    """The other checkout runs its own code: without a PYTHONPATH this run may have been given."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} if tree else None


def io_floor(files: list[Path], master: Path, out: Path) -> float:
    """Unzip every input workbook and zip a master of the same parts again (deflate level 1)."""
    with zipfile.ZipFile(master) as zf:
        parts = [(i.filename, zf.read(i)) for i in zf.infolist()]
    start = time.perf_counter()
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for info in zf.infolist():
                zf.read(info)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts:
            zf.writestr(name, data)
    return time.perf_counter() - start


def isal_floor(files: list[Path], master: Path, out: Path) -> float | None:
    """The floor with the deflate xlflow packs the master with (ISA-L, level 1, one thread): unzip
    every input, deflate and checksum every part of the master, write them out. None without isal."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    with zipfile.ZipFile(master) as zf:
        parts = [zf.read(i) for i in zf.infolist()]
    start = time.perf_counter()
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for info in zf.infolist():
                zf.read(info)
    with out.open("wb") as fh:
        for data in parts:
            packer = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
            fh.write(packer.compress(data) + packer.flush())
            isal_zlib.crc32(data)
    return time.perf_counter() - start


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


def weekly_sharing(root: Path) -> None:
    """The slices and calendars made with the weekly brief, not at each merge (the default list, weekly)."""
    from xlflow.share.sharing import default_toml

    with (root / "xlflow.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + default_toml().replace('frequency = "merge"', 'frequency = "weekly"'))


def scenario(departments: int, tasks: int, repeat: int, lang: str, keep: Path | None,
             before: Path | None = None, sharing: str = "merge", change: str = "random") -> dict:
    from data import make_department_files, make_workspace
    from xlflow.spec.catalog import load_catalog

    tmp = Path(tempfile.mkdtemp(prefix="xlflow-bench-", dir=keep))
    try:
        ws = make_workspace(tmp / "ws", departments, lang)
        if sharing == "weekly":
            from xlflow.config import load_workspace

            weekly_sharing(ws.root)
            ws = load_workspace(ws.root)
        t0 = time.perf_counter()
        files = make_department_files(ws, tmp / "files", tasks)
        gen = time.perf_counter() - t0
        accept_all(ws, files)
        sides: list[tuple[str, Path | None, Path]] = [("after" if before else "xlflow", None, ws.root)]
        if before:
            setup_in(before, tmp / "ws-before", lang, tasks, departments=departments)
            if sharing == "weekly" and (before / "xlflow" / "share" / "sharing.py").is_file():
                weekly_sharing(tmp / "ws-before")  # both sides alike (a checkout before the sharing list has none)
            sides.append(("before", before, tmp / "ws-before"))
        sheet, header_row, status_label = wbs_layout(files[0], lang)
        status = load_catalog().enums["status"]
        colours = {c.label(lang): c.colour for c in status.values}
        print(f"\n== {departments} departments × {tasks} tasks = {departments * tasks:,} tasks "
              f"(generated in {gen:.1f} s)")
        runs = _repeats(ws, tmp, files, tasks, repeat, lang, sides,
                        lambda: naive(files, tmp / "naive.xlsx", sheet, header_row, status_label, colours), change)
        return _report(runs, sides, departments, tasks, lang)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _repeats(ws, tmp: Path, files: list[Path], tasks: int, repeat: int, lang: str,
             sides: list[tuple[str, Path | None, Path]], run_naive, change: str = "random") -> dict:
    """Every measure, interleaved: each repeat runs each one once (the sides in alternating order),
    so a machine that slows down mid-run weighs on every column alike."""
    import random

    from data import a_week_later, department_rows, department_workbook  # a department's new version

    current = department_rows(ws, tasks) if change == "week" else {}  # each department's rows as last sent

    runs: dict = {"naive": [], "floor": [], "isal_floor": [], **{name: {"cold": [], "warm": [], "incremental": []}
                                               for name, _, _ in sides}}
    for i in range(repeat):
        runs["naive"].append(run_naive())
        order = sides if i % 2 == 0 else sides[::-1]
        for name, tree, root in order:
            shutil.rmtree(root / ".cache", ignore_errors=True)
            runs[name]["cold"].append(run_child(root, lang, tree))
            runs[name]["warm"].append(run_child(root, lang, tree))
        master = Path(runs[sides[0][0]]["warm"][-1]["master"])
        runs["floor"].append(io_floor(files, master, tmp / "floor.xlsx"))
        runs["isal_floor"].append(isal_floor(files, master, tmp / "floor.isal"))
        code = files[i % len(files)].stem
        rng = random.Random(1000 + i)
        if change == "week":
            current[code] = a_week_later(current[code], rng)
        new = department_workbook(ws, code, tmp / "files" / f"{code}-v{i + 2}.xlsx", tasks, rng, current.get(code))
        for name, tree, root in order:
            if tree is None:
                accept_all(ws, [new], code, i + 2)  # as intake would: a version the state database knows
            else:
                setup_in(tree, root, lang, tasks, code, i)
            runs[name]["incremental"].append(run_child(root, lang, tree))
        line = [f"naive {runs['naive'][-1]:.2f} s, floor {runs['floor'][-1]:.2f} s"]
        for name, _, _ in sides:
            r = runs[name]
            if any(r[k][-1]["tasks"] != len(files) * tasks for k in ("cold", "warm", "incremental")):
                raise SystemExit(f"{name}: a merge left tasks out: the generated workbooks are not all valid "
                                 f"({[r[k][-1]['tasks'] for k in ('cold', 'warm', 'incremental')]})")
            line.append(f"{name}: cold {r['cold'][-1]['seconds']:.2f}, warm {r['warm'][-1]['seconds']:.2f}, "
                        f"incremental {r['incremental'][-1]['seconds']:.2f} s")
        print(f"  run {i + 1}: " + "; ".join(line), flush=True)
    return runs


def _report(runs: dict, sides: list[tuple[str, Path | None, Path]], departments: int, tasks: int, lang: str) -> dict:
    med = statistics.median
    n_med, floor = med(runs["naive"]), med(runs["floor"])
    print(f"naive (pandas+openpyxl)     median {n_med:7.2f} s")
    print(f"I/O floor (unzip inputs, zip the master)  median {floor:5.2f} s")
    if None not in runs["isal_floor"]:
        print(f"  the same with ISA-L's deflate (as xlflow packs the master)  median {med(runs['isal_floor']):5.2f} s")
    result: dict = {"tasks": departments * tasks, "naive": n_med, "floor": floor}
    for name, _, _ in sides:
        r = runs[name]
        c, w, i = (med([x["seconds"] for x in r[k]]) for k in ("cold", "warm", "incremental"))
        wc, ic = (med([x["process_cpu"] for x in r[k]]) for k in ("warm", "incremental"))
        incr_share = med([b["seconds"] / a["seconds"] for a, b in zip(r["warm"], r["incremental"], strict=True)])
        incr_cpu = med([b["process_cpu"] / a["process_cpu"] for a, b in zip(r["warm"], r["incremental"], strict=True)])
        peak = max(x["peak"] for k in r for x in r[k]) / 2**20
        print(f"-- {name}")
        print(f"cold (validate all)  median {c:7.2f} s   {n_med / c:5.1f}× faster than naive")
        against_isal = (f", {w / med(runs['isal_floor']):4.1f}× the ISA-L floor" if None not in runs["isal_floor"]
                        else "")
        print(f"warm (after intake)  median {w:7.2f} s   {n_med / w:5.1f}× faster than naive, {w / floor:4.1f}× the floor"
              + against_isal)
        print(f"incremental (1 new)  median {i:7.2f} s   {100 * i / c:5.0f} % of cold, {100 * incr_share:4.0f} % of warm "
              f"(paired); files read: {r['incremental'][-1]['parsed']}")
        print(f"process CPU (start-up included): warm {wc:.2f} s, incremental {ic:.2f} s ({100 * incr_cpu:.0f} % of warm, "
              f"paired); peak memory {peak:.0f} MiB")
        result[name] = {"cold": c, "warm": w, "incremental": i, "warm_cpu": wc, "incremental_cpu": ic, "peak_mib": peak}
    if len(sides) == 2:
        a, b = runs[sides[0][0]], runs[sides[1][0]]
        for k in ("cold", "warm", "incremental"):
            wall = med([y["seconds"] / x["seconds"] for x, y in zip(a[k], b[k], strict=True)])
            cpu = med([y["process_cpu"] / x["process_cpu"] for x, y in zip(a[k], b[k], strict=True)])
            print(f"before ÷ after, {k:<12} (paired medians): merge {wall:4.2f}×, process CPU {cpu:4.2f}×")
    tl_bytes, tl_cells = timeline_weight(Path(runs[sides[0][0]]["cold"][-1]["master"]), lang)
    print(f"timeline sheet              {tl_bytes / 1024:7.0f} KiB, {tl_cells:,} cells for "
          f"{departments * tasks:,} tasks (a value per task and week would be far more)")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="10 departments × 100 tasks, 1 run")
    ap.add_argument("-d", "--departments", type=int)
    ap.add_argument("-t", "--tasks", type=int)
    ap.add_argument("-r", "--repeat", type=int, default=3)
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    ap.add_argument("--keep", type=Path, default=None, help="make the temp folders here and keep them")
    ap.add_argument("--before", type=Path, default=None,
                    help="another checkout (with its .venv) to time in the same run, paired")
    ap.add_argument("--sharing", default="merge", choices=["merge", "weekly"],
                    help="weekly: this checkout's workspace writes the slices and calendars with the weekly brief "
                         "rather than at each merge (the merge's work as before the sharing list existed)")
    ap.add_argument("--change", default="random", choices=["random", "week"],
                    help="the incremental case's new version: a fresh random workbook (random), or the previous "
                         "version with a week's usual changes: statuses, percentages, a due date or two (week)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.change == "week" and args.before:
        ap.error("--change week is not supported with --before (the other checkout makes its new versions itself)")
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
        scenario(d, t, r, args.lang, args.keep, args.before.resolve() if args.before else None, args.sharing,
                 args.change)


if __name__ == "__main__":
    main()
