"""Bounded disk in the parse cache (.cache/merge/, issue 21): one entry per version received, so it
grew by the week's files every week, for good.

Each merge keeps, as of its day, the entries of every department's current version and of every
version received within `[watch] history_days` days (the week's scorecard continues from last
week's plan; a merge of a recent day reads those). It removes, with their digests:

- the entry of a version a newer one of its department has replaced, received before that window;
- an entry written under another configuration or xlflow version (its name's salt is not the
  current one: it can never be read again, the cache is keyed by the config's bytes);
- an entry of a file xlflow has no accepted version of (a file given to `merge` by name, a staged
  restore), written before that window.

Nothing is lost: every accepted file is kept in archive/ and parsed again from there when a merge of
an old day, `rebuild` or a scorecard replay needs it (then cached again until the next merge).
With `history_days` 0 (keep everything) nothing is removed.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..config import Workspace
from ..spec.catalog import load_catalog
from ..store.accepted import read_accepted
from ..store.cachedigest import cache_written, forget_digests
from ..store.db import Database
from ..store.prune import Removed, remove_files
from .cache import SubmissionCache


def _kept_shas(ws: Workspace, db: Database, since: dt.date) -> tuple[set[str], set[str]]:
    """(the versions kept: current, received since `since`, or the accepted/ workbook's clean copy;
    every accepted version's sha256)."""
    with db.transaction() as con:
        rows = con.execute("SELECT department, sha256, received FROM submissions WHERE result='accepted'"
                           " ORDER BY department, version, id").fetchall()
        clean = {r[0] for r in con.execute("SELECT file_sha256 FROM accepted_files")}  # accepted/<CODE>.xlsx
    keep: set[str] = set()
    current: dict[str, str] = {}
    for department, sha, received in rows:
        current[department or ""] = sha  # the newest accepted version wins
        try:
            day = dt.datetime.fromisoformat(received).date()
        except ValueError:
            day = since
        if day >= since:
            keep.add(sha)
    keep |= set(current.values()) | clean
    keep |= {a.sha256 for a in read_accepted(ws) if a.sha256}
    return keep, {r[1] for r in rows}


def stale_entries(ws: Workspace, db: Database, as_of: dt.date) -> list[Path]:
    """The parse cache's entries the rule removes as of `as_of` (none when history_days is 0)."""
    days = ws.watch.history_days
    cache = SubmissionCache(ws, load_catalog())
    if days <= 0 or not cache.folder.is_dir():
        return []
    since = as_of - dt.timedelta(days=days)
    keep, accepted = _kept_shas(ws, db, since)
    written = cache_written(db)
    out = []
    for entry in cache.folder.glob("*.json"):
        if entry.name.startswith("."):
            continue  # an entry being written (store/atomic.py's temp file)
        sha, _, rest = entry.name.partition("-")
        if rest != f"{cache.salt}.json":
            out.append(entry)  # another config's (or xlflow version's): never read again
        elif sha in keep:
            continue
        elif sha in accepted:
            out.append(entry)  # a version replaced before the window
        elif (when := written.get(entry.name)) is not None and when.date() < since:
            out.append(entry)
    return sorted(out)


def prune_cache(ws: Workspace, db: Database, as_of: dt.date) -> Removed:
    """Remove the stale entries and their recorded digests."""
    removed = remove_files(stale_entries(ws, db, as_of))
    forget_digests(db, [p.name for p in removed.paths])
    return removed
