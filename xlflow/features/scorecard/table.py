"""The scorecard's past weeks, kept: a department's figures at the end of a week that is over depend
only on what was on record by then, so each is computed once and kept here under a digest of
everything it depends on (measures.week_key). A changed input (a restored version,
a re-baselined task, another deadline or calendar) gives another key, so the week is computed again;
rows under old keys are never read again and are dropped when older than KEEP_DAYS.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from ...store.db import Database, register

KEEP_DAYS = 120  # a key not used for this long is deleted (a week's key is used at every merge)

SCHEMA = """
CREATE TABLE IF NOT EXISTS score_weeks (
    key TEXT PRIMARY KEY,  -- week_key's digest
    figures TEXT NOT NULL,  -- JSON list of the numbers (Figures.encode)
    used TEXT NOT NULL  -- the day it was last used
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
