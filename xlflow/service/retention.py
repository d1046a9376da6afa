"""Bounded disk: the retention rule of master/history/ (issue 21).

Every merge leaves two files there: the dated copy of the master it wrote (`<code>-master-<day>.xlsx`)
and the master it replaced (`<code>-master-replaced-<stamp>.xlsx`, kept by the coordinator's
read-back). Kept: every copy whose merge day is within `[watch] history_days` of the merge's day,
then the last copy of each week for `history_weeks` weeks (0: for good), then the last of each month
for `history_months` months (0: for good), then the last of each quarter (store/prune.thinned; a year
of weekly masters was ~30 MiB at 12 × 150, the largest part of a workspace's growth, and a year of
monthly ones ~8 MiB). A copy is removed only when nothing in it exists only there: its content is exactly what xlflow wrote (recorded below at each
merge), or the coordinator's read-back read it and recorded its typing (coordinator_reads, by
content). A copy this module knows nothing of (made before it, or put there by hand) is kept. The department
slices of the weeks before the last `history_weeks` go too (old_slices).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from ..check.cachekeep import prune_cache
from ..config import Workspace
from ..features.coordinator import generations, strays
from ..features.coordinator.table import CoordinatorLayer
from ..share.publish import slices_folder
from ..store.db import Database, now_iso, register
from ..store.prune import Removed, remove_files, thinned
from ..workdays import week_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS master_written (  -- the content of every master xlflow wrote
    sha256 TEXT PRIMARY KEY,
    written TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS master_copies (  -- the files in master/history/, by name
    name TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    day TEXT NOT NULL  -- the as-of day of the merge that kept it
);
"""
register("service.retention", SCHEMA)
REPLACED = "-replaced-"  # in the name of a master kept when replaced (features/coordinator/readback.py)


Pruned = Removed  # what a rule removed: count, bytes freed, the files


def _sha(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def after_merge(ws: Workspace, db: Database, as_of: dt.date, written: Path, kept: Iterable[Path | None]) -> Pruned:
    """Record what this merge wrote and the copies it kept in master/history/ (its dated copy, the
    master it replaced, masters retired from beside it), then apply the rule as of `as_of`."""
    sha = _sha(written)
    with db.transaction() as con:
        if sha is not None:
            con.execute("INSERT OR IGNORE INTO master_written VALUES (?,?)", (sha, now_iso()))
        for path in kept:
            if path is None or path.parent != history_folder(ws):
                continue
            copy_sha = _sha(path)
            if copy_sha is not None:
                con.execute("INSERT OR REPLACE INTO master_copies VALUES (?,?,?)",
                            (path.name, copy_sha, as_of.isoformat()))
    prune_slices(ws, as_of)
    generations.prune(ws, db, as_of)  # xlflow's copy of each master it wrote, kept for a while (coordinator/generations.py)
    strays.prune_digests(ws.root / ".xlflow" / "written", db)  # the digests of the copies no longer kept
    prune_cache(ws, db, as_of)  # parse-cache entries of versions replaced before history_days (check/cachekeep.py)
    return prune(ws, db, as_of)


_SLICE_WEEK = re.compile(r"-(\d{4}-W\d{2})\.xlsx$")


def old_slices(ws: Workspace, as_of: dt.date) -> list[Path]:
    """The department slices (slices/<code>/, slices/extra/<who>/: one workbook per week) of weeks
    before the last `[watch] history_weeks` (none when it is 0). A slice is an output, written again
    from the stored week; the current ones are what the departments open."""
    weeks = ws.watch.history_weeks
    root = slices_folder(ws) if weeks > 0 else None
    if root is None or not root.is_dir():
        return []
    oldest = week_of(as_of - dt.timedelta(weeks=weeks), ws.project.week_start).label
    prefix = f"{ws.project.code}-"
    folders = [p for p in root.iterdir() if p.is_dir() and p.name != "extra"]
    folders += [p for p in (root / "extra").iterdir() if p.is_dir()] if (root / "extra").is_dir() else []
    return [p for folder in folders for p in folder.iterdir() if p.name.startswith(prefix)
            and (m := _SLICE_WEEK.search(p.name)) is not None and m.group(1) < oldest]


def prune_slices(ws: Workspace, as_of: dt.date) -> int:
    return remove_files(old_slices(ws, as_of)).count


def history_folder(ws: Workspace) -> Path:
    return ws.folder("master") / "history"


def to_remove(ws: Workspace, db: Database, as_of: dt.date) -> list[Path]:
    """The copies the rule removes as of `as_of` (only safe ones)."""
    days, weeks = ws.watch.history_days, ws.watch.history_weeks
    folder = history_folder(ws)
    if days <= 0 or not folder.is_dir():
        return []
    with db.transaction() as con:
        known = {n: (s, dt.date.fromisoformat(d)) for n, s, d in con.execute("SELECT name, sha256, day FROM master_copies")}
        safe = {r[0] for r in con.execute("SELECT sha256 FROM master_written")}
    safe |= CoordinatorLayer(db).read_contents()  # read back: what the coordinator typed is recorded
    # by day, a day's dated copy (the master as that day's last merge wrote it) after the masters it replaced
    present = sorted((known[p.name][1], REPLACED not in p.name, p.name, p) for p in folder.iterdir() if p.name in known)
    old = thinned(((day, path) for day, _, _, path in present), as_of, days, weeks, ws.project.week_start,
                  ws.watch.history_months)
    # only a copy unchanged since it was kept, whose content is recorded
    return [path for path in old if known[path.name][0] in safe and _sha(path) == known[path.name][0]]


def prune(ws: Workspace, db: Database, as_of: dt.date) -> Pruned:
    removed = remove_files(to_remove(ws, db, as_of))
    with db.transaction() as con:
        con.executemany("DELETE FROM master_copies WHERE name=?", [(path.name,) for path in removed.paths])
    return removed
