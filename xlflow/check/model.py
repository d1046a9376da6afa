"""What a checked workbook holds once read: clean values keyed by the spec's field keys.

validate.py produces these; merge, state, summary and the feedback consume them.
No field list is repeated here: rows are dicts keyed by the spec (workbook_templates/).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Report
from .identity import Identity


@dataclass(frozen=True)
class Row:
    excel_row: int
    values: dict[str, object]  # spec key -> clean value: date, int/float, str, enum code, dept code, tuple of IDs
    cells: dict[str, str] = field(default_factory=dict, hash=False)  # spec key -> "F12"


@dataclass(frozen=True)
class FormData:
    form_id: str
    sheet: str  # the sheet's name in the submitted file (users rename sheets)
    card: dict[str, object] = field(default_factory=dict, hash=False)
    card_cells: dict[str, str] = field(default_factory=dict, hash=False)
    tables: dict[str, tuple[Row, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class WorkbookData:
    department: str | None
    project_code: str | None
    spec_version: str | None
    forms: dict[str, FormData] = field(default_factory=dict, hash=False)

    def rows(self, form_id: str, table_id: str) -> tuple[Row, ...]:
        form = self.forms.get(form_id)
        return form.tables.get(table_id, ()) if form else ()


@dataclass(frozen=True)
class Submission:
    """One file, checked: who sent it, what was wrong, and what it holds if it could be read.

    Built once, at the end of the check (check/workbook.py), and never changed afterwards.
    `identity` is how identity.py saw the file (None when unreadable or restored from the cache)."""

    path: Path
    sha256: str
    report: Report
    department: str | None = None
    data: WorkbookData | None = None
    received: dt.datetime | None = None
    identity: Identity | None = None

    @property
    def valid(self) -> bool:
        return self.report.valid and self.data is not None


def json_default(value: object) -> object:
    """For json.dumps: the clean values a row can hold (dates, ID tuples) in plain JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
