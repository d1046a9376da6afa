"""Benchmark: `xlflow portfolio` over many workspaces vs opening every master with openpyxl.

    python benchmarks/bench_portfolio.py                 # 50 workspaces of 10 departments × 100 tasks
    python benchmarks/bench_portfolio.py -n 10 -r 1      # a quicker look
    python benchmarks/bench_portfolio.py --data DIR      # keep (and reuse) the generated workspaces

The workspaces are generated once (bench_merge's generator, benchmarks/data.py: a few distinct
projects, each accepted and merged, then copied under new project codes) and kept in --data.
Each project has three accepted versions per department in its history, as after three weeks.
Then, interleaved in this run, each in a fresh child process (cold: a new interpreter, nothing
cached in it), which reports its seconds, its peak memory and the files it opened:

- naive: what a PMO would script — openpyxl.load_workbook of every project's master, reading the
  dashboard's headline figures;
- naive read-only: the same with openpyxl's read_only=True, which streams only the dashboard
  sheet (the best a script opening the masters can do);
- xlflow: build_portfolio + portfolio.xlsx over the same workspaces, read-only.

Prints medians and ratios; never asserts on time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

AS_OF = dt.date(2026, 6, 12)
DISTINCT = 5  # projects generated; the others are copies under new codes


def opened_files() -> list[str]:
    """Paths this process opens from now on (an audit hook: also what C code opens)."""
    seen: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str):
            seen.append(args[0])

    sys.addaudithook(hook)
    return seen


def child(kind: str, roots: list[str]) -> None:
    from bench_merge import peak_rss

    seen = opened_files()
    start = time.perf_counter()
    if kind.startswith("naive"):
        import openpyxl

        figures = []
        for root in roots:
            master = sorted(Path(root, "master").glob("*.xlsx"))[-1]
            wb = openpyxl.load_workbook(master, data_only=True, read_only=kind == "naive-ro")
            ws = wb.worksheets[0]
            figures.append([c.value for c in next(ws.iter_rows(min_row=4, max_row=4))][0:16:2])
            wb.close()
        rows = len(figures)
    else:
        from xlflow.portfolio.book import write_portfolio
        from xlflow.portfolio.build import build_portfolio
        from xlflow.portfolio.settings import PortfolioSettings

        p = build_portfolio([Path(r) for r in roots], PortfolioSettings(), AS_OF)
        bad = [e.read.problem.render("en") for e in p.entries if e.row is None]
        if bad:
            raise SystemExit(f"unreadable: {bad[:3]}")
        write_portfolio(p, Path(roots[0]).parent / "portfolio.xlsx", "zh")
        rows = len(p.entries)
    seconds = time.perf_counter() - start
    xlsx = [f for f in seen if f.endswith(".xlsx") and "portfolio.xlsx" not in f and ".~xlflow-" not in f]
    archive = [f for f in seen if "/archive/" in f]
    print(json.dumps({"seconds": seconds, "peak": peak_rss(), "rows": rows, "xlsx": len(set(xlsx)),
                      "archive": len(set(archive))}))


def run(kind: str, roots: list[Path]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, *map(str, roots)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def generate(data: Path, count: int, departments: int, tasks: int) -> list[Path]:
    """`count` workspaces under data/ (made once; reused when present)."""
    roots = [data / f"P{i:03d}" for i in range(count)]
    if all((r / "xlflow.sqlite").is_file() for r in roots):
        return roots
    from bench_merge import accept_all
    from data import make_department_files, make_workspace
    from xlflow.config import load_workspace
    from xlflow.service.merge import merge_workspace

    t0 = time.perf_counter()
    for i in range(min(DISTINCT, count)):
        root = roots[i]
        shutil.rmtree(root, ignore_errors=True)
        ws = make_workspace(root, departments)
        _set_code(root, f"P{i:03d}")
        ws = load_workspace(root)
        for version in (1, 2, 3):  # three weeks of versions in the history
            files = make_department_files(ws, data / "files" / f"{i}-{version}", tasks, seed=47 + i * 10 + version)
            accept_all(ws, files, version=version)
            for f in files:
                target = ws.folder("archive") / f"{f.stem}-v{version}.xlsx"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, target)
        merge_workspace(ws, as_of=AS_OF, lang="zh")
        print(f"  generated {root.name} ({time.perf_counter() - t0:.0f} s)", flush=True)
    for i in range(DISTINCT, count):
        shutil.rmtree(roots[i], ignore_errors=True)
        shutil.copytree(roots[i % DISTINCT], roots[i])
        _set_code(roots[i], f"P{i:03d}")
    shutil.rmtree(data / "files", ignore_errors=True)
    return roots


def _set_code(root: Path, code: str) -> None:
    config = root / "xlflow.toml"
    text = config.read_text("utf-8")
    import re

    config.write_text(re.sub(r'(?m)^code = "[^"]*"', f'code = "{code}"', text, count=1), "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--workspaces", type=int, default=50)
    ap.add_argument("-d", "--departments", type=int, default=10)
    ap.add_argument("-t", "--tasks", type=int, default=100)
    ap.add_argument("-r", "--repeat", type=int, default=3)
    ap.add_argument("--data", type=Path, default=Path("/tmp/xlflow-bench-portfolio"))
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    roots = generate(args.data, args.workspaces, args.departments, args.tasks)
    print(f"== {len(roots)} workspaces of {args.departments} departments × {args.tasks} tasks "
          f"({len(roots) * args.departments * args.tasks:,} tasks)")
    naive, fast, ours = [], [], []
    for i in range(args.repeat):  # interleaved: a machine that slows down weighs on every column alike
        naive.append(run("naive", roots))
        fast.append(run("naive-ro", roots))
        ours.append(run("xlflow", roots))
        print(f"  run {i + 1}: naive {naive[-1]['seconds']:.2f} s, naive read-only {fast[-1]['seconds']:.2f} s, "
              f"xlflow {ours[-1]['seconds']:.2f} s", flush=True)
    med = lambda runs: statistics.median(r["seconds"] for r in runs)  # noqa: E731
    peak = lambda runs: max(r["peak"] for r in runs) / 2**20  # noqa: E731
    n, f, x = med(naive), med(fast), med(ours)
    print(f"naive (openpyxl, every master)  median {n:6.2f} s   peak {peak(naive):5.0f} MiB   workbooks opened "
          f"{naive[-1]['xlsx']}")
    print(f"naive read-only (openpyxl)      median {f:6.2f} s   peak {peak(fast):5.0f} MiB   workbooks opened "
          f"{fast[-1]['xlsx']}")
    print(f"xlflow portfolio (read-only)    median {x:6.2f} s   peak {peak(ours):5.0f} MiB   workbooks opened "
          f"{ours[-1]['xlsx']}, archived versions opened {ours[-1]['archive']}")
    print(f"xlflow is {n / x:.1f}× the naive speed and {f / x:.1f}× the read-only naive speed")


if __name__ == "__main__":
    main()
