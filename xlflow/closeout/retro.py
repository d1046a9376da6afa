"""The departments' retrospectives (复盘, form 08) as their accepted workbooks hold them.

A department "sent its retrospective" when its current accepted workbook has the retro sheet
with at least one row in any of its tables (goal attainment, highlights and problems,
improvements); a blank sheet, as every generated workbook carries, is not a retrospective.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..check.validate import check_file
from ..config import Workspace
from ..store.accepted import read_accepted

FORM = "retro"


@dataclass(frozen=True)
class Retro:
    department: str
    date: dt.date | None
    attainment: tuple[dict, ...]  # criterion, target, actual, met
    findings: tuple[dict, ...]  # kind (highlight | problem), description, root_cause
    improvements: tuple[dict, ...]  # measure, owner, deadline

    @property
    def highlights(self) -> tuple[dict, ...]:
        return tuple(f for f in self.findings if f.get("kind") == "highlight")

    @property
    def problems(self) -> tuple[dict, ...]:
        return tuple(f for f in self.findings if f.get("kind") != "highlight")


def read_retros(ws: Workspace) -> dict[str, Retro]:
    """Department code -> its retrospective, for the departments that sent one."""
    out = {}
    for accepted in read_accepted(ws):
        if accepted.path is None:
            continue
        sub = check_file(accepted.path, ws)
        form = sub.data.forms.get(FORM) if sub.data is not None else None
        if form is None:
            continue
        tables = {key: tuple(dict(row.values) for row in rows) for key, rows in form.tables.items()}
        if not any(tables.values()):
            continue
        date = form.card.get("date")
        out[accepted.department] = Retro(
            accepted.department,
            date if isinstance(date, dt.date) else None,
            tables.get("attainment", ()),
            tables.get("findings", ()),
            tables.get("improvements", ()),
        )
    return out
