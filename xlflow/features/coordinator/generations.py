"""Which master is which: every master xlflow writes is stamped with the project's code and its
generation (1, 2, ... one per merge that writes a master; a custom document property and a defined
name, both kept by Excel, WPS and LibreOffice on save), and xlflow keeps a copy of what it wrote for
each generation (.xlflow/written/generations/<n>.xlsx, a hard link to the copy readback.py makes).

A master copied back over the current one (a second coordinator's stale desktop copy) is then read
against what xlflow wrote in *its* generation (a three-way comparison: only the cells changed since
are the coordinator's news); another project's master is recognised by its code and refused.

Copies are kept as master/history/ keeps the masters: every generation written within `[watch]
history_days` days, then the last of each week for `history_weeks` weeks (and always the last KEEP);
a master based on a generation no longer kept contributes only cells
the layer has no value for, and says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ...config import Workspace
from ...spec import layout
from ...store.atomic import link_or_copy
from ...store.db import Database, now_iso, register
from ...store.prune import remove_files, thinned

KEEP = 4  # the newest generations, whose copy is always kept whatever their age

SCHEMA = """
CREATE TABLE IF NOT EXISTS master_generations (  -- one row per master xlflow wrote (or began to write)
    generation INTEGER PRIMARY KEY AUTOINCREMENT,
    written TEXT NOT NULL,   -- local time, ISO
    as_of TEXT NOT NULL,     -- the merge's as-of day
    path TEXT NOT NULL DEFAULT ''  -- where it went ('' until written)
);
"""
register("coordinator.generations", SCHEMA)


@dataclass(frozen=True)
class Stamp:
    """What a master file says about itself (None: not stamped, e.g. written before stamps, or not ours)."""
    kind: str | None
    project: str | None
    generation: int | None


def stamp_of(properties: dict[str, str], names: dict[str, str]) -> Stamp:
    """The stamp from a workbook's custom properties, else from its defined names."""
    def pick(prop: str, name: str) -> str | None:
        value = properties.get(prop) or names.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    raw = pick(layout.PROP_GENERATION, layout.NAME_GENERATION)
    try:
        generation = int(float(raw)) if raw is not None else None  # LibreOffice may write "12.0"
    except ValueError:
        generation = None
    return Stamp(properties.get(layout.PROP_KIND), pick(layout.PROP_PROJECT, layout.NAME_PROJECT), generation)


def begin(db: Database, as_of: dt.date) -> int:
    """A new generation number for the master about to be written (never reused)."""
    with db.transaction() as con:
        cur = con.execute("INSERT INTO master_generations (written, as_of) VALUES (?,?)", (now_iso(), as_of.isoformat()))
        return int(cur.lastrowid or 0)


def latest(db: Database) -> int:
    """The newest generation written (0: none yet)."""
    with db.transaction() as con:
        row = con.execute("SELECT max(generation) FROM master_generations WHERE path != ''").fetchone()
    return int(row[0] or 0)


def known(db: Database, generation: int) -> bool:
    with db.transaction() as con:
        return con.execute("SELECT 1 FROM master_generations WHERE generation=? AND path != ''",
                           (generation,)).fetchone() is not None


def last_at(db: Database, path: Path) -> int:
    """The newest generation written at `path` (0: none)."""
    with db.transaction() as con:
        row = con.execute("SELECT max(generation) FROM master_generations WHERE path=?", (str(path),)).fetchone()
    return int(row[0] or 0)


def copy_path(ws: Workspace, generation: int) -> Path:
    return ws.root / ".xlflow" / "written" / "generations" / f"{generation}.xlsx"


def keep(ws: Workspace, db: Database, generation: int, written: Path, copy: Path) -> None:
    """Record that `generation` was written at `written`, and keep `copy` (what was written) for it."""
    with db.transaction() as con:
        con.execute("UPDATE master_generations SET path=? WHERE generation=?", (str(written), generation))
    target = copy_path(ws, generation)
    try:
        target.unlink(missing_ok=True)
        link_or_copy(copy, target)
    except OSError:
        pass  # without it, a copy of this generation copied back is read as one whose base is unknown


def prune(ws: Workspace, db: Database, as_of: dt.date) -> int:
    """Remove the copies the rule of master/history/ no longer keeps (store/prune.thinned: every
    generation written within `[watch] history_days` days, then the last of each week for
    `history_weeks` weeks), never one of the last KEEP; the copies removed."""
    with db.transaction() as con:
        rows = [(dt.date.fromisoformat(day), n) for n, day in con.execute(
            "SELECT generation, as_of FROM master_generations WHERE path != '' ORDER BY generation")]
    newest = {n for _, n in rows[-KEEP:]}
    week = ws.project.week_start
    old = [n for n in thinned(rows, as_of, ws.watch.history_days, ws.watch.history_weeks, week, months=None)
           if n not in newest]
    return remove_files(p for n in old if (p := copy_path(ws, n)).is_file()).count
