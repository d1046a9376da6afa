"""A scorecard's finished weeks, kept once: the week record of a merge stores its scorecard without
them (`split`: the current week's figures and the traces, and where its past begins), and loading the
record puts them back (`join`), equal to the scorecard the merge computed.

The past is a chain of weeks in the state database (score_past, beside table.py's kept weeks): one
row per finished week with every department's figures (Figures.encode), named by a digest of its
content and of the row before it, so a record names its whole past by its newest row. A week is
written when it is first finished; the merges after it find its row there and write nothing, so
a record's size and its merge's cost do not grow with the weeks of the project. Rows are never
deleted: every record names its own past (another past, after a restored version, is another
chain that shares the rows before the change).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from ...store.db import Database, register
from ...workdays import Week
from .model import DepartmentScore, Figures, Scorecard

SCHEMA = """
CREATE TABLE IF NOT EXISTS score_past (
    digest TEXT PRIMARY KEY,  -- of `week` and `figures` and of `prev`
    prev TEXT,  -- the digest of the week before (NULL: the first week)
    week TEXT NOT NULL,  -- JSON [start, end, year, number]
    figures TEXT NOT NULL  -- JSON [[department, [numbers]], ...] (Figures.encode), in the scorecard's order
);
"""
register("store.scorepast", SCHEMA)


@dataclasses.dataclass(frozen=True)
class Past:
    """Where a stored scorecard's finished weeks are: the newest row of its chain, and how many."""

    head: str
    weeks: int


def _rows(card: Scorecard) -> list[tuple[str, str | None, str, str]] | None:
    """The chain rows of the scorecard's finished weeks (all but its last), oldest first; None when
    the scorecard is not one a chain gives back (a department without a figure for every week)."""
    for d in card.departments:
        if len(d.weeks) != len(card.weeks) or any(
            f.week != w or f.department != d.department for f, w in zip(d.weeks, card.weeks, strict=True)
        ):
            return None
    rows: list[tuple[str, str | None, str, str]] = []
    prev: str | None = None
    for i, w in enumerate(card.weeks[:-1]):
        week = json.dumps([w.start.isoformat(), w.end.isoformat(), w.year, w.number])
        figures = json.dumps([[d.department, d.weeks[i].encode()] for d in card.departments], ensure_ascii=False)
        digest = hashlib.sha256("\x1f".join((prev or "", week, figures)).encode("utf-8")).hexdigest()[:32]
        rows.append((digest, prev, week, figures))
        prev = digest
    return rows


def split(db: Database, card: Scorecard) -> tuple[Scorecard, Past | None]:
    """The scorecard without its finished weeks, and where they are kept (written now when new);
    the scorecard whole and None when it has none to keep, or cannot be split."""
    rows = _rows(card)
    if not rows:
        return card, None
    with db.transaction() as con:
        known = con.execute("SELECT 1 FROM score_past WHERE digest=?", (rows[-1][0],)).fetchone()
        if known is None:
            con.executemany("INSERT OR IGNORE INTO score_past VALUES (?,?,?,?)", rows)
    n = len(rows)
    recent = dataclasses.replace(
        card,
        weeks=card.weeks[n:],
        departments=tuple(dataclasses.replace(d, weeks=d.weeks[n:]) for d in card.departments),
    )
    return recent, Past(rows[-1][0], n)


def join(db: Database, recent: Scorecard, past: Past) -> Scorecard | None:
    """The scorecard `split` gave `recent` and `past` for; None when its past is not all there."""
    chain: list[tuple[Week, dict[str, list[int]]]] = []
    digest: str | None = past.head
    with db.transaction() as con:
        while digest is not None and len(chain) < past.weeks:
            row = con.execute("SELECT prev, week, figures FROM score_past WHERE digest=?", (digest,)).fetchone()
            if row is None:
                return None
            start, end, year, number = json.loads(row[1])
            week = Week(dt.date.fromisoformat(start), dt.date.fromisoformat(end), year, number)
            chain.append((week, {code: numbers for code, numbers in json.loads(row[2])}))
            digest = row[0]
    if len(chain) != past.weeks or any(d.department not in f for _, f in chain for d in recent.departments):
        return None
    chain.reverse()
    weeks = tuple(w for w, _ in chain)
    return dataclasses.replace(
        recent,
        weeks=weeks + recent.weeks,
        departments=tuple(_joined(d, chain) for d in recent.departments),
    )


def _joined(d: DepartmentScore, chain: list[tuple[Week, dict[str, list[int]]]]) -> DepartmentScore:
    past = tuple(Figures.decode(d.department, w, f[d.department]) for w, f in chain)
    return dataclasses.replace(d, weeks=past + d.weeks)
