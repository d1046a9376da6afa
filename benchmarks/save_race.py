"""The coordinator's save racing a merge (issue 18 item 1): does any save vanish?

    python benchmarks/save_race.py                 # 8 delays x 40 runs, 2 x 400 tasks
    python benchmarks/save_race.py --runs 10 --tasks 200

Each run: the coordinator saves the master the way Excel does (a temp file renamed over it), with
a new comment typed in it, at a moment during a merge of a large plan (delays spread over the
merge's measured length, with jitter); then a plain merge. A save is lost when its comment is not
in the final master. The same runs are made against an unguarded replace (the master replaced
whatever is there: the behaviour before the fix) as the baseline, in the same process.

Prints counts per delay; never asserts.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from coord_helpers import AS_OF  # noqa: E402
from merge_helpers import make_ws  # noqa: E402
from trust_helpers import big_workbooks, race_once  # noqa: E402
from xlflow.service import merge  # noqa: E402
from xlflow.store import atomic  # noqa: E402

FRACTIONS = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1)  # of the merge's median length


def unguarded(tmp, target, expect, copy_to=None):  # the behaviour before: replace whatever is there,
    os.replace(tmp, target)                          # then copy what is at the target as "what xlflow wrote"
    atomic._copy(target, copy_to)


def measure(ws, files) -> float:
    return statistics.median(_time_merge(ws, files) for _ in range(3))


def _time_merge(ws, files) -> float:
    started = time.perf_counter()
    merge.merge_workspace(ws, files, as_of=AS_OF)
    return time.perf_counter() - started


def run(label: str, ws, files, runs: int, length: float, rng: random.Random) -> None:
    lost_all = hits_all = total = 0
    for fraction in FRACTIONS:
        lost = hits = 0
        for i in range(runs):
            delay = max(0.0, length * fraction * rng.uniform(0.85, 1.15))
            kept, noticed, _ = race_once(ws, files, delay, f"{label}-{fraction}-{i}-{rng.random():.6f}")
            lost += not kept
            hits += noticed
        print(f"{label:10s} delay {fraction:4.2f} x merge ({length * fraction:5.3f} s): runs {runs}, "
              f"saves noticed during the merge {hits}, saves lost {lost}")
        lost_all, hits_all, total = lost_all + lost, hits_all + hits, total + runs
    print(f"{label:10s} total: runs {total}, noticed {hits_all}, lost {lost_all}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40, help="runs per delay")
    parser.add_argument("--tasks", type=int, default=200, help="tasks per department (2 departments)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-only", action="store_true")
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_ws(Path(tmp) / "ws", lang="zh")
        files = big_workbooks(ws, Path(tmp) / "in", args.tasks)
        length = measure(ws, files)
        print(f"merge of {2 * args.tasks} tasks: median {length:.3f} s")
        if not args.baseline_only:
            run("xlflow", ws, files, args.runs, length, rng)
        if not args.skip_baseline:
            with mock.patch.object(atomic, "replace_if_unchanged", unguarded):
                run("unguarded", ws, files, args.runs, length, rng)


if __name__ == "__main__":
    main()
