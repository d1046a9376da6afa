"""The scorecard's past weeks, kept: a department's figures at the end of a week that is over depend
only on what was on record by then, so each is computed once and kept here under a digest of
everything it depends on (measures.WeekKeys). A changed input (a restored version,
a re-baselined task, another deadline or calendar) gives another key, so the week is computed again;
rows under old keys are never read again and are dropped when older than KEEP_DAYS.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping

from ...store.db import Database, register
from ...store.jsonvalues import packed, unpacked
from .model import Trace, WalkKept

_TRACE = tuple(f.name for f in dataclasses.fields(Trace))

KEEP_DAYS = 120  # a key not used for this long is deleted (a week's key is used at every merge)

SCHEMA = """
CREATE TABLE IF NOT EXISTS score_weeks (
    key TEXT PRIMARY KEY,  -- WeekKeys' digest
    figures TEXT NOT NULL,  -- JSON list of the numbers (Figures.encode)
    used TEXT NOT NULL  -- the day it was last used
);
CREATE TABLE IF NOT EXISTS score_version_tasks (  -- a version's task IDs: a past week's key needs no decode
    sha256 TEXT PRIMARY KEY,
    ids TEXT NOT NULL  -- JSON list, in the version's order (compressed when long: store/jsonvalues.packed)
);
CREATE TABLE IF NOT EXISTS score_current (  -- each department's current week as the last merge found it
    department TEXT PRIMARY KEY,
    key TEXT NOT NULL,  -- WeekKeys' digest of the week at that merge's cutoff
    figures TEXT NOT NULL,  -- JSON list of the numbers (Figures.encode)
    traces TEXT NOT NULL  -- JSON list of the traces, each a list of Trace's fields (packed when long)
);
CREATE TABLE IF NOT EXISTS score_walks (  -- each department's walk up to the end of the last week over
    department TEXT PRIMARY KEY,
    walk TEXT NOT NULL  -- JSON (model.WalkKept)
);
"""
register("store.scoreweeks", SCHEMA)


def load(db: Database) -> dict[str, list[int]]:
    """Every kept week's figures by key."""
    with db.transaction() as con:
        return {k: json.loads(f) for k, f in con.execute("SELECT key, figures FROM score_weeks")}


def save(
    db: Database, used: Mapping[str, list[int]], kept: Mapping[str, list[int]], today: dt.date | None = None
) -> None:
    """Store the figures computed now (keys in `used` not in `kept`), mark the used ones, drop stale keys."""
    day = (today or dt.date.today()).isoformat()
    new = [(k, json.dumps(v), day) for k, v in used.items() if kept.get(k) != v]
    with db.transaction() as con:
        con.executemany("INSERT OR REPLACE INTO score_weeks VALUES (?,?,?)", new)
        con.executemany(
            "UPDATE score_weeks SET used=? WHERE key=? AND used<>?", [(day, k, day) for k in used if k in kept]
        )
        con.execute(
            "DELETE FROM score_weeks WHERE used < ?",
            ((dt.date.fromisoformat(day) - dt.timedelta(days=KEEP_DAYS)).isoformat(),),
        )


def load_current(db: Database) -> dict[str, tuple[str, list[int], list[Trace]]]:
    """Each department's current week as the last merge kept it (measures.WeekMemo.current)."""
    out = {}
    with db.transaction() as con:
        rows = con.execute("SELECT department, key, figures, traces FROM score_current").fetchall()
    for department, key, figures, traces in rows:
        try:
            out[department] = (key, json.loads(figures), [Trace(*t) for t in json.loads(unpacked(traces))])
        except (ValueError, TypeError):
            continue  # unreadable: that department's week is computed again
    return out


def save_current(
    db: Database,
    current: Mapping[str, tuple[str, list[int], list[Trace]]],
    kept: Mapping[str, tuple[str, list[int], list[Trace]]],
) -> None:
    """Keep the departments' current weeks computed now (those not `kept` as they are)."""
    rows = [
        (
            d,
            key,
            json.dumps(figures),
            packed(json.dumps([[getattr(t, f) for f in _TRACE] for t in traces], ensure_ascii=False)),
        )
        for d, (key, figures, traces) in current.items()
        if kept.get(d, ("",))[0] != key
    ]
    if rows:
        with db.transaction() as con:
            con.executemany("INSERT OR REPLACE INTO score_current VALUES (?,?,?,?)", rows)


def version_ids(db: Database) -> dict[str, list[str]]:
    with db.transaction() as con:
        return {
            sha: json.loads(unpacked(ids)) for sha, ids in con.execute("SELECT sha256, ids FROM score_version_tasks")
        }


def save_versions(db: Database, ids: Mapping[str, list[str]]) -> None:
    with db.transaction() as con:
        con.executemany(
            "INSERT OR REPLACE INTO score_version_tasks VALUES (?,?)",
            [(sha, packed(json.dumps(v, ensure_ascii=False))) for sha, v in ids.items()],
        )


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict):
        return {"$m": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return {"$l": [_encode(v) for v in value], "$tuple": isinstance(value, tuple)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)  # not kept: the week is replayed in full instead


def _decode(value: object) -> object:
    if isinstance(value, dict):
        if "$t" in value:
            return dt.datetime.fromisoformat(value["$t"])
        if "$d" in value:
            return dt.date.fromisoformat(value["$d"])
        if "$m" in value:
            return {k: _decode(v) for k, v in value["$m"]}
        items = [_decode(v) for v in value["$l"]]
        return tuple(items) if value.get("$tuple") else items
    return value


def load_walks(db: Database) -> dict[str, WalkKept]:
    out = {}
    with db.transaction() as con:
        rows = con.execute("SELECT department, walk FROM score_walks").fetchall()
    for department, text in rows:
        try:
            d = _decode(json.loads(text))
            if not isinstance(d, dict):
                continue  # as d["cutoff"] would raise TypeError: unreadable
            out[department] = WalkKept(
                d["cutoff"],
                d["digest"],
                d["last"],
                d["done_since"],
                d["blocked_since"],
                d["updated"],
                d["issues"],
                d["answered"],
            )
        except (ValueError, KeyError, TypeError):
            continue  # unreadable: that department's week is replayed in full
    return out


def save_walks(db: Database, walks: Mapping[str, WalkKept]) -> None:
    rows = []
    for department, w in walks.items():
        try:
            rows.append(
                (
                    department,
                    json.dumps(
                        _encode(
                            {
                                "cutoff": w.cutoff,
                                "digest": w.digest,
                                "last": w.last,
                                "done_since": dict(w.done_since),
                                "blocked_since": dict(w.blocked_since),
                                "updated": dict(w.updated),
                                "issues": {k: dict(v) for k, v in w.issues.items()},
                                "answered": dict(w.answered),
                            }
                        ),
                        ensure_ascii=False,
                    ),
                )
            )
        except TypeError:
            continue
    with db.transaction() as con:
        con.executemany("INSERT OR REPLACE INTO score_walks VALUES (?,?)", rows)
