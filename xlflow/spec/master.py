"""The coordinator's columns of the master (workbook_templates/master.toml) as frozen dataclasses.

One source of truth for the coordinator's layer: the master writer draws these columns, the merge
reads them back from the current master by their labels (either language) and the state database
keeps their values by sheet, row key and column key. A column is a catalog Field, so its type
(date, a dropdown list) means what it means on a department's form.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..resources import data_dir
from .catalog import Catalog, Field, Text, _broken, _field, _toml, _unknown, load_catalog

MASTER_SPEC = "master.toml"
_SHEET_KEYS = {"id", "row_key", "columns"}


@dataclass(frozen=True)
class LayerSheet:
    """One master sheet's coordinator columns and the field that keys its rows."""
    id: str  # wbs | delays | changes: the master sheet (message key master-sheet-<id>)
    row_key: str  # task_id | change_id
    row_label: Text  # the row key's label, from the form that declares the field
    columns: tuple[Field, ...]

    def column(self, key: str) -> Field:
        return next(c for c in self.columns if c.key == key)

    def labels(self) -> dict[str, str]:
        """Both languages' labels -> column key: how a header read back is recognised."""
        return {label: c.key for c in self.columns for label in (c.label.zh, c.label.en)}


@dataclass(frozen=True)
class MasterSpec:
    sheets: tuple[LayerSheet, ...]

    def sheet(self, sheet_id: str) -> LayerSheet:
        found = next((s for s in self.sheets if s.id == sheet_id), None)
        if found is None:
            raise KeyError(f"{MASTER_SPEC} declares no sheet {sheet_id!r}")
        return found


def _row_label(key: str, catalog: Catalog, where: str) -> Text:
    for form in catalog.forms:
        for f in (*form.fields, *(f for t in form.tables for f in t.fields)):
            if f.key == key:
                return f.label
    raise _broken(where, "spec-problem-unknown-key", keys=key)


@lru_cache(maxsize=4)
def load_master_spec(directory: Path | None = None) -> MasterSpec:
    """master.toml, checked like a form spec: an unknown key, type or column fails loudly (SpecError)."""
    root = directory or data_dir()
    catalog = load_catalog(directory)
    raw = _toml(root / MASTER_SPEC)
    _unknown(raw, {"columns", "sheets"}, MASTER_SPEC)
    try:
        columns = {c["key"]: _field(c, f"{MASTER_SPEC}:{c['key']}", catalog.enums) for c in raw["columns"]}
        sheets = []
        for s in raw["sheets"]:
            where = f"{MASTER_SPEC}:{s.get('id')}"
            _unknown(s, _SHEET_KEYS, where)
            missing = [k for k in s["columns"] if k not in columns]
            if missing:
                raise _broken(f"{where}.columns", "spec-problem-unknown-key", keys=", ".join(missing))
            sheets.append(LayerSheet(s["id"], s["row_key"], _row_label(s["row_key"], catalog, f"{where}.row_key"),
                                     tuple(columns[k] for k in s["columns"])))
    except KeyError as exc:
        raise _broken(MASTER_SPEC, "spec-problem-missing-key", name=str(exc.args[0])) from None
    return MasterSpec(tuple(sheets))
