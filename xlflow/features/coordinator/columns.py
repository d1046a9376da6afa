"""The coordinator's columns on a master sheet (workbook_templates/master.toml): drawn after the
sheet's own columns, with an orange header and a light fill, a dropdown where the column's type has
one, and the values the coordinator typed before (the state database's layer) by row key.

A sheet module adds them in two calls (h-changes' Changes sheet does the same):

    cols = my_cols + coordinator_cols(w, "changes", attrgetter("change_id"))
    last = w.table(sheet, HEADER_ROW, cols, items)
    mark_coordinator(w, sheet, cols, HEADER_ROW + 1, last)

The row keys a sheet showed are remembered, so the Removed sheet (removed.py) can list every value
whose row is gone.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ...output.master.core import MasterWriter
from ...spec.catalog import Field
from ...spec.fields import field_type
from ...xlsx.fastsheet import Col, FastSheet, Lookup, as_text

COORD_PREFIX = "coordinator:"  # a coordinator column's Col.key: "coordinator:comment", "coordinator:+PMO跟进"
COORD_FILL = "#FFF2CC"
EXTRA_WIDTH = 16


def coordinator_cols(w: MasterWriter, sheet_id: str, row_key: Callable[[object], str]) -> list[Col]:
    """The sheet's coordinator columns from master.toml, then the columns the coordinator added
    (kept by their header), each showing the value recorded for the item's row key."""
    spec = w.master_spec.sheet(sheet_id)
    values = w.layer.values.get(sheet_id, {})
    shown = w.layer_shown.setdefault(sheet_id, set())  # the first column notes which rows the sheet shows
    cols = [Col(f.label(w.lang), max(f.width, 8), Lookup(_column(values, f.key), row_key, shown if i == 0 else None),
                "date" if f.type == "date" else "text", _show(w, f), key=COORD_PREFIX + f.key)
            for i, f in enumerate(spec.columns)]
    cols += [Col(header, EXTRA_WIDTH, Lookup(_column(values, "+" + header), row_key), show=as_text,
                 key=f"{COORD_PREFIX}+{header}") for header in w.layer.extras.get(sheet_id, [])]
    return cols


def _column(values: dict[str, dict[str, str]], column: str) -> dict[str, str]:
    """Row key -> the value recorded in this column (rows without one left out)."""
    return {key: row[column] for key, row in values.items() if column in row}


def _show(w: MasterWriter, f: Field) -> Callable[[object], object]:
    """A stored text as the cell shows it: list codes as labels, ISO dates as dates, else the text."""
    kind = field_type(f)
    if kind.list_key(f) and f.choices:
        return w.shows(f.choices)
    if f.type == "date":
        return _as_date
    return as_text


def _as_date(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # kept as the coordinator typed it
    return value


def mark_coordinator(w: MasterWriter, sheet: FastSheet, cols: list[Col], first: int, last: int) -> None:
    """Highlight the coordinator's columns and give a list column its dropdown, a date column its check
    (as warnings: the coordinator may type what they like, it is kept either way)."""
    fill = w.styles.fill(COORD_FILL)
    for i, c in enumerate(cols):
        if not c.key.startswith(COORD_PREFIX):
            continue
        w.check(sheet.conditional_format(first, i, last, i, {"type": "formula", "criteria": "=TRUE",
                                                             "format": fill}), "coordinator fill")
        key = c.key[len(COORD_PREFIX):]
        if key.startswith("+"):
            continue
        f = next(f for s in w.master_spec.sheets for f in s.columns if f.key == key)
        rule = _validation(w, f)
        if rule:
            w.check(sheet.data_validation(first, i, last, i, rule), "coordinator validation")


def _validation(w: MasterWriter, f: Field) -> dict[str, object] | None:
    common = {"error_type": "warning", "input_title": f.label(w.lang)[:32], "input_message": f.hint(w.lang)[:255]}
    if f.choices:
        return {"validate": "list", "source": w.catalog.enums[f.choices].labels(w.lang), **common}
    if f.type == "date":
        return {"validate": "date", "criteria": ">", "value": dt.date(2000, 1, 1), **common}
    return None
