"""A coordinator cell read back, judged against three things: what the master file shows, what xlflow
wrote there in the file's own generation (its base), and the newest value the layer holds.

- The same as its base: not the coordinator's news (a stale copy's old cells blank nothing).
- Empty where its base is unknown: nothing to record (nothing is ever blanked by omission).
- Changed in a copy brought back (its generation is older than the last one xlflow wrote at its
  path: not the file the coordinator kept open), while the layer's value changed since that
  generation too and differs from both: a conflict, reported; the layer's value stays, the file's is
  named in the report (and the file is kept in master/history/).
- Otherwise recorded: a later save of the file xlflow last wrote there wins, as before.

A master written before stamps (no generation) keeps the two-way rule: every cell that differs from
what xlflow last wrote at that path is recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...i18n import Phrase

LISTED = 20  # conflicts said one by one; the rest are counted


class Verdict(Enum):
    SKIP = "skip"
    RECORD = "record"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Base:
    """The master file's generation (None: not stamped), whether xlflow's copy of it is kept, and
    whether it is a copy brought back (xlflow has written its path again since that generation)."""

    generation: int | None = None
    known: bool = True
    stale: bool = False


@dataclass(frozen=True)
class Conflict:
    """A cell changed in a copy of an older master and, differently, since: the layer's value kept."""

    sheet: str  # the master sheet's title
    row_key: str
    column: str  # its header
    kept: str
    theirs: str
    file: str


def judge(typed: str, written: str | None, value: str, base: Base) -> Verdict:
    """`typed`: the cell now; `written`: what xlflow wrote there in the file's generation (None: not
    known: the row or column was not in it, or its copy is gone); `value`: the layer's newest value."""
    if base.generation is None:  # an unstamped master: the two-way rule
        return Verdict.SKIP if written is not None and typed == written else Verdict.RECORD
    if written is None and base.known:
        written = ""  # a row or column the file's generation did not have: it showed nothing there
    if typed == value or (written is not None and typed == written) or (written is None and typed == ""):
        return Verdict.SKIP
    if written is None:  # base unknown: only fill what the layer has no value for
        return Verdict.RECORD if value == "" else Verdict.CONFLICT
    if base.stale and value != written:
        return Verdict.CONFLICT
    return Verdict.RECORD


def conflict_phrases(conflicts: list[Conflict]) -> list[Phrase]:
    out = [Phrase("coord-conflict", sheet=c.sheet, row=c.row_key, column=c.column, kept=c.kept or "—",
                  theirs=c.theirs or "—", file=c.file) for c in conflicts[:LISTED]]
    if len(conflicts) > LISTED:
        out.append(Phrase("coord-conflict-more", count=len(conflicts) - LISTED))
    return out
