"""How long a command takes to start: `xlflow --help` and `xlflow status` on the sample workspace,
each in a fresh interpreter, against the interpreter's own start (the floor) and `import click`.

    python benchmarks/bench_start.py                       # this checkout, 15 runs each
    python benchmarks/bench_start.py --before ../main -r 21 # and another checkout, interleaved

Prints the median wall and CPU (user + system) seconds of each; CPU is the figure to read on a
busy machine. Each checkout runs from its source folder (put first on sys.path).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = "import sys; sys.path.insert(0, {src!r}); sys.argv = ['xlflow', *{args!r}]; from xlflow.cli import main; main()"


def timed(code: str, cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="another checkout, timed interleaved")
    parser.add_argument("-r", "--runs", type=int, default=15)
    args = parser.parse_args()
    checkouts = {"this": HERE.parent}
    if args.before:
        checkouts = {"before": args.before.resolve(), **checkouts}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        subprocess.run([sys.executable, "-c", RUN.format(src=str(HERE.parent), args=["init", str(ws), "--sample"])],
                       check=True, stdout=subprocess.DEVNULL)
        cases = {"python -c pass (floor)": "pass", "import click": "import click"}
        for name, src in checkouts.items():
            cases[f"{name}: xlflow --help"] = RUN.format(src=str(src), args=["--help"])
            cases[f"{name}: xlflow status"] = RUN.format(src=str(src), args=["status"])
        for code in cases.values():  # warm the file cache and the bytecode
            timed(code, ws)
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, code in cases.items():
                times[name].append(timed(code, ws))
    print(f"{'':34} {'wall median':>12} {'CPU median':>12}  ({args.runs} runs, interleaved)")
    for name, runs in times.items():
        print(f"{name:34} {statistics.median(w for w, _ in runs):11.3f}s {statistics.median(c for _, c in runs):11.3f}s")


if __name__ == "__main__":
    main()
