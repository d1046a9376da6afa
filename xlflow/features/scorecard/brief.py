"""The brief's scorecard part: one line per department with the week's figures as text, and
each measure's definition; the figures are measures.py's, the same as the master's sheet."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from ...config import Workspace
from .model import Scorecard
from .text import definitions, ratio_text


@dataclass(frozen=True)
class ScoreRow:
    code: str
    name: str
    on_time: str  # "75% (3/4)" or "—"
    slip: int  # working days
    slip_change: int | None
    punctuality: str
    first_time: str
    blocked: int
    blocked_oldest: int  # working days
    answered: str
    stale: int


@dataclass(frozen=True)
class ScorecardPart:
    as_of: str
    rows: tuple[ScoreRow, ...]
    definitions: tuple[tuple[str, str], ...]  # (measure, its one-sentence definition)
    own: bool = False  # cut down to the lines one department may see (a department's brief: no master)


def scorecard_part(ws: Workspace, card: Scorecard, lang: str) -> ScorecardPart:
    names = {d.code: d.name(lang) for d in ws.departments}
    rows = tuple(
        ScoreRow(
            code=d.department,
            name=names.get(d.department, d.department),
            on_time=ratio_text(d.current.on_time, lang),
            slip=d.current.slip_days,
            slip_change=d.slip_change,
            punctuality=ratio_text(d.current.punctuality, lang),
            first_time=ratio_text(d.current.first_time, lang),
            blocked=d.current.blocked,
            blocked_oldest=d.current.blocked_oldest,
            answered=ratio_text(d.current.answered, lang),
            stale=d.current.stale,
        )
        for d in card.departments
    )
    return ScorecardPart(card.as_of.isoformat(), rows, definitions(ws, lang))


def narrowed(part: ScorecardPart | None, codes: Collection[str]) -> ScorecardPart | None:
    """The part with only the lines of the departments `codes` (a department's brief: its own
    line, unless the sharing list gives it more); None when none is left."""
    if part is None:
        return None
    rows = tuple(r for r in part.rows if r.code in codes)
    return replace(part, rows=rows, own=True) if rows else None
