"""What the read-back of the master said (a copy of an older master, another project's master, typing
xlflow could not keep, copies left in master/...), kept by the merge's as-of day so the week's brief
says it too, not only the merge's output and the watch log."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from ...i18n import Phrase
from ...store.db import Database, now_iso, register

SCHEMA = """
CREATE TABLE IF NOT EXISTS master_notices (
    id INTEGER PRIMARY KEY,
    found TEXT NOT NULL,
    as_of TEXT NOT NULL,   -- the merge's as-of day: the brief of that week says it
    key TEXT NOT NULL,     -- the message key
    params TEXT NOT NULL   -- its parameters, JSON (a nested message as {"phrase": key, "params": {...}})
);
"""
register("coordinator.notices", SCHEMA)


@dataclass(frozen=True)
class LayerNotice:
    """One sentence of the read-back, language-neutral: a message key and its parameters (JSON)."""

    key: str
    params: str

    def phrase(self) -> Phrase:
        return Phrase(self.key, **_decode(json.loads(self.params)))


def _encode(params: dict[str, object]) -> dict[str, object]:
    return {k: {"phrase": v.key, "params": _encode(v.params)} if isinstance(v, Phrase) else
            (v if isinstance(v, (int, float)) else str(v)) for k, v in params.items()}


def _decode(params: dict[str, object]) -> dict[str, object]:
    return {k: Phrase(str(v["phrase"]), **_decode(v["params"])) if isinstance(v, dict) else v
            for k, v in params.items()}


def record(db: Database, as_of: dt.date, phrases: Iterable[Phrase]) -> None:
    stamp = now_iso()
    rows = [(stamp, as_of.isoformat(), p.key, json.dumps(_encode(p.params), ensure_ascii=False, sort_keys=True))
            for p in phrases]
    if rows:
        with db.transaction() as con:
            con.executemany("INSERT INTO master_notices (found, as_of, key, params) VALUES (?,?,?,?)", rows)


def of_days(db: Database, since: dt.date, until: dt.date) -> list[LayerNotice]:
    """The notices of merges as of since..until (inclusive), each once, oldest first."""
    with db.transaction() as con:
        found = con.execute("SELECT key, params FROM master_notices WHERE as_of >= ? AND as_of <= ? ORDER BY id",
                            (since.isoformat(), until.isoformat())).fetchall()
    return list(dict.fromkeys(LayerNotice(k, p) for k, p in found))
