"""What a checked workbook holds once read: clean values keyed by the spec's field keys.

validate.py produces these; merge, state, summary and the feedback consume them.
No field list is repeated here: rows are dicts keyed by the spec (workbook_templates/).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Report
from ..store.jsonvalues import json_default  # noqa: F401 - its old home; the encoder lives with the store
from .identity import Identity


@dataclass(slots=True)
class Row:
    """One row of a table. Not frozen (its values dict never was, and nothing rebinds a field): a warm
    merge at 100 × 500 reads 50,000 back from the parse cache, and a frozen dataclass's __init__ sets
    each field through object.__setattr__ (17 ms of the 220 ms the cache took)."""

    excel_row: int
    values: dict[str, object]  # spec key -> clean value: date, int/float, str, enum code, dept code, tuple of IDs
    cells: dict[str, str] = field(default_factory=dict, hash=False)  # spec key -> "F12"

    def __reduce__(self) -> tuple:
        """Pickled as its constructor's arguments (a merge's worker processes send rows back): the
        slotted dataclass's own way (its state field by field, in Python) took three times as long."""
        return Row, (self.excel_row, self.values, self.cells)

    # typed reads of one value (the parsed value has the field type's type; anything else reads as None)
    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def day(self, key: str) -> dt.date | None:
        value = self.values.get(key)
        return value if isinstance(value, dt.date) else None

    def ids(self, key: str) -> tuple[str, ...]:
        return ids_of(self.values.get(key))


def ids_of(value: object) -> tuple[str, ...]:
    """A list of IDs (predecessors, tasks affected) as stored in a row: a tuple, or a list once read from JSON."""
    return tuple(value) if isinstance(value, (tuple, list)) else ()


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
