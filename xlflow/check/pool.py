"""Checking many files at once (a cold merge): each file checked and cached on a process pool.

Each worker is given the workspace and the cache once, when it starts (where workers are started
afresh, as on Windows, what a task carries is pickled for every task), and then one file at a
time: handed out in batches, the last batch kept one core busy while the other had nothing left.
"""
from __future__ import annotations

import datetime as dt
import gc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..config import Workspace
from .cache import SubmissionCache, check_and_cache
from .model import Submission

_worker: tuple[Workspace, SubmissionCache] | None = None  # in a worker process: what _start gave it


def check_on_pool(todo: list[tuple[Path, dt.datetime]], ws: Workspace, cache: SubmissionCache,
                  workers: int) -> list[Submission]:
    """Check and cache each (file, received) of `todo` on `workers` processes; the submissions in order."""
    with ProcessPoolExecutor(max_workers=workers, initializer=_start, initargs=(ws, cache)) as pool:
        return list(pool.map(_check, todo))


def _start(ws: Workspace, cache: SubmissionCache) -> None:
    """A worker's set-up. A check allocates many small acyclic objects, which the cyclic collector
    would scan again and again (a tenth of the check's time); a forked worker inherits the merge's
    paused collector, a worker started afresh (Windows) pauses its own: it ends with the merge."""
    global _worker
    _worker = (ws, cache)
    gc.disable()


def _check(job: tuple[Path, dt.datetime]) -> Submission:
    assert _worker is not None, "a pool worker is started by _start"
    ws, cache = _worker
    return check_and_cache(job[0], ws, job[1], cache, lean=True)
