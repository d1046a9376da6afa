"""Bounded disk: the one way a retention rule removes files (issue 21).

Each rule (master/history/ and the masters' generations in service/retention.py, outbox/ in
output/outboxkeep.py, the parse cache in check/cachekeep.py, old brief pages in output/reportkeep.py)
decides which files go; this removes them, each on its own: a file that cannot be removed (gone
already, locked, no permission) is left and skipped, never an error, and the next run tries again.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from ..workdays import week_of

K = TypeVar("K")


@dataclass(frozen=True)
class Removed:
    count: int = 0
    size: int = 0  # bytes freed
    paths: tuple[Path, ...] = field(default=(), repr=False)  # the files removed

    def __add__(self, other: Removed) -> Removed:
        return Removed(self.count + other.count, self.size + other.size, self.paths + other.paths)


def remove_files(paths: Iterable[Path]) -> Removed:
    """Remove each file; what was removed (a file that could not be is skipped)."""
    done: list[Path] = []
    size = 0
    for path in paths:
        try:
            freed = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        done.append(path)
        size += freed
    return Removed(len(done), size, tuple(done))


def thinned(items: Iterable[tuple[dt.date, K]], as_of: dt.date, days: int, weeks: int, week_start: int,
            months: int | None = 0) -> list[K]:
    """The keys of `items` ((day, key), oldest first: the last of a day, week, month or quarter is the
    one kept) that the rule no longer keeps as of `as_of`: every item within `days` days, then the last
    of each week for `weeks` weeks (0: for good), then the last of each month for `months` months (the
    month of `as_of` counts as one) and after that the last of each quarter, for good (`months` 0:
    each month's for good; None: nothing after the weeks). Nothing goes when `days` is 0 or less."""
    items = list(items)
    if days <= 0:
        return []
    last: dict[tuple[object, ...], K] = {}
    for day, key in items:  # the last one of a week (of a month, a quarter) wins
        last[("w", week_of(day, week_start).start)] = key
        last[("m", day.year, day.month)] = key
        last[("q", day.year, (day.month - 1) // 3)] = key
    recent, oldest_week = as_of - dt.timedelta(days=days), as_of - dt.timedelta(weeks=weeks)
    this_month = as_of.year * 12 + as_of.month
    out = []
    for day, key in items:
        if day > recent:
            continue
        if last[("w", week_of(day, week_start).start)] == key and (weeks <= 0 or day > oldest_week):
            continue
        if months is not None and last[("m", day.year, day.month)] == key and (
                months <= 0 or this_month - (day.year * 12 + day.month) < months):
            continue
        if months and last[("q", day.year, (day.month - 1) // 3)] == key:
            continue
        out.append(key)
    return out
