"""What the checks of one file share: the workspace, the spec, the raw workbook and the report.

It is also the `ParseContext` the field types read cells with (spec/fields.py): language,
department, date system, and memoised lookups of enum values and departments.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Workspace
from ..findings import ERROR, Finding, Report
from ..spec.catalog import Catalog, Field
from ..xlsx.read import RawWorkbook


@dataclass
class CheckContext:
    ws: Workspace
    catalog: Catalog
    raw: RawWorkbook
    lang: str
    report: Report = field(default_factory=Report)
    department: str | None = None
    _lookups: dict = field(default_factory=dict)

    @property
    def epoch_1904(self) -> bool:
        return self.raw.epoch_1904

    def lookup(self, kind: str, text: str) -> str | None:
        """Enum code or department code for typed text; memoised (a column repeats the same few values)."""
        key = (kind, text)
        if key not in self._lookups:
            if kind == "department":
                self._lookups[key] = self.ws.find_department(text)
            else:
                self._lookups[key] = self.catalog.enums[kind].lookup(text)
        return self._lookups[key]

    def allowed(self, kind: str) -> list[str]:
        """What a person may choose for an enum or "department", in the workbook's language."""
        if kind == "department":
            return [d.name(self.lang) for d in self.ws.departments]
        return self.catalog.enums[kind].labels(self.lang)

    def add(self, code: str, severity: str = ERROR, sheet: str | None = None, cell: str | None = None,
            fld: Field | None = None, value: object = None, **params: object) -> None:
        label = fld.label(self.lang) if fld is not None else None
        self.report.add(Finding(code, severity, sheet, cell, label, value, params))
