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
from .model import Trace, WalkKept, WeekMemo

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


def load_memo(db: Database, context: str) -> WeekMemo:
    """What the runs before kept (measures.WeekMemo): every past week's figures by key, each
    department's walk and current week; read in one transaction."""
    with db.transaction() as con:
        weeks = con.execute("SELECT key, figures FROM score_weeks").fetchall()
        walks = con.execute("SELECT department, walk FROM score_walks").fetchall()
        current = con.execute("SELECT department, key, figures, traces FROM score_current").fetchall()
    return WeekMemo({k: json.loads(f) for k, f in weeks}, context, walks=_walks(walks), current=_current(current))


def save_memo(db: Database, memo: WeekMemo, versions: Mapping[str, list[str]], today: dt.date | None = None) -> None:
    """Keep what this run computed, in one transaction: the past weeks' figures (those in `memo.used`
    not kept as they are; the used ones marked, stale keys dropped), the task IDs of the versions
    decoded for the first time, the walks and the current weeks."""
    day = (today or dt.date.today()).isoformat()
    used, kept = memo.used, memo.kept
    new = [(k, json.dumps(v), day) for k, v in used.items() if kept.get(k) != v]
    ids = [(sha, packed(json.dumps(v, ensure_ascii=False))) for sha, v in versions.items()]
    walks, current = _walk_rows(memo.new_walks), _current_rows(memo.new_current, memo.current)
    with db.transaction() as con:
        con.executemany("INSERT OR REPLACE INTO score_weeks VALUES (?,?,?)", new)
        con.executemany(
            "UPDATE score_weeks SET used=? WHERE key=? AND used<>?", [(day, k, day) for k in used if k in kept]
        )
        con.execute(
            "DELETE FROM score_weeks WHERE used < ?",
            ((dt.date.fromisoformat(day) - dt.timedelta(days=KEEP_DAYS)).isoformat(),),
        )
        con.executemany("INSERT OR REPLACE INTO score_version_tasks VALUES (?,?)", ids)
        con.executemany("INSERT OR REPLACE INTO score_walks VALUES (?,?)", walks)
        if current:
            con.executemany("INSERT OR REPLACE INTO score_current VALUES (?,?,?,?)", current)


def _current(rows: list[tuple[str, str, str, str | bytes]]) -> dict[str, tuple[str, list[int], list[Trace]]]:
    """Each department's current week as the last merge kept it (measures.WeekMemo.current)."""
    out = {}
    for department, key, figures, traces in rows:
        try:
            out[department] = (key, json.loads(figures), [Trace(*t) for t in json.loads(unpacked(traces))])
        except (ValueError, TypeError):
            continue  # unreadable: that department's week is computed again
    return out


def _current_rows(
    current: Mapping[str, tuple[str, list[int], list[Trace]]],
    kept: Mapping[str, tuple[str, list[int], list[Trace]]],
) -> list[tuple[str, str, str, str | bytes]]:
    """The departments' current weeks computed now (those not `kept` as they are), as rows."""
    return [
        (
            d,
            key,
            json.dumps(figures),
            packed(json.dumps([[getattr(t, f) for f in _TRACE] for t in traces], ensure_ascii=False)),
        )
        for d, (key, figures, traces) in current.items()
        if kept.get(d, ("",))[0] != key
    ]


def version_ids(db: Database) -> dict[str, list[str]]:
    with db.transaction() as con:
        return {
            sha: json.loads(unpacked(ids)) for sha, ids in con.execute("SELECT sha256, ids FROM score_version_tasks")
        }


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


def _walks(rows: list[tuple[str, str]]) -> dict[str, WalkKept]:
    out = {}
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


def _walk_rows(walks: Mapping[str, WalkKept]) -> list[tuple[str, str]]:
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
    return rows
