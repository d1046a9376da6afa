"""One form's sheet → FormData: its card fields and tables, with a finding for every bad cell.

Headers are found by their labels (zh or en, full-width folded), so reordered or extra
columns and blank rows are tolerated; each cell is read by its field type (spec/fields.py);
the cross-field rules named in the spec run last (rules.py).
"""
from __future__ import annotations

import datetime as dt
import math
import re

from ..findings import ERROR, WARNING
from ..spec import layout
from ..spec.catalog import Field, Form, Table
from ..spec.fields import FieldType, field_type
from ..xlsx.read import MAX_COLS, Cell, Sheet, cell_ref, col_letter, label_key
from . import change_rules  # noqa: F401  (registers the change-request rules)
from .context import CheckContext
from .meetings import apply_legacy
from .model import FormData, Row
from .rules import run_rules

# Formulas that reach outside the workbook: web calls, links, DDE, external workbook references.
OUTSIDE_RE = re.compile(
    r"(?i)\b(HYPERLINK|WEBSERVICE|FILTERXML|IMPORT(?:XML|HTML|DATA|FEED|RANGE)|IMAGE|RTD|CALL|REGISTER(?:\.ID)?|EXEC)\s*\("
    r"|\[\d+\]|\[[^\]]*\.(?:xl|csv|od)|'[^']*[\\/][^']*'!|\w+\|")

# A column's cells read so far: id(Cell) -> (the Cell, kept so that its id stays its own; its value;
# the arguments of the findings it gave). At most SEEN_CELLS per column: memory stays bounded.
_Seen = dict[int, tuple[Cell, object, tuple[tuple[tuple, dict], ...]]]
SEEN_CELLS = 5_000


class FormReader:
    """Reads one form's sheet into FormData, adding findings for every bad cell."""

    def __init__(self, ctx: CheckContext, form: Form, sheet: Sheet, received: dt.datetime | None) -> None:
        self.ctx, self.form, self.sheet, self.received = ctx, form, sheet, received
        self.rows = sorted({r for r, _ in sheet.cells})
        self.width = min(max((c for _, c in sheet.cells), default=0), MAX_COLS)  # a row's cells: up to here
        self.merges = sheet.merged

    def read(self) -> FormData:
        headers = self._find_headers()
        first_header = min((h for h, _ in headers.values() if h), default=None)
        card, card_cells, card_raw = self._card(first_header)
        tables: dict[str, tuple[Row, ...]] = {}
        titles = {label_key(t.title.zh) for t in self.form.tables} | {label_key(t.title.en) for t in self.form.tables}
        header_rows = sorted(h for h, _ in headers.values() if h)
        for table in self.form.tables:
            header, mapping = headers[table.id]
            if header is None and self.form.legacy and self.form.legacy.table == table.id:
                tables[table.id] = ()  # an older layout, perhaps: apply_legacy decides
                continue
            if header is None:
                tables[table.id] = ()
                if table.optional:
                    continue
                self.ctx.add("table-missing", sheet=self.sheet.name, table=table.title(self.ctx.lang))
                continue
            end = next((h for h in header_rows if h > header), None)
            tables[table.id] = self._table(table, header, end, mapping, titles)
        prefilled = layout.PROJECT_PREFILL if self.form.id in layout.PREFILLED_FORMS else {}
        used = any(v is not None for k, v in card_raw.items() if k not in prefilled) or any(tables.values())
        if used:
            for f in self.form.fields:
                if f.required and card.get(f.key) is None and card_raw.get(f.key) is None and f.key in card_cells:
                    self.ctx.add("required", sheet=self.sheet.name, cell=card_cells[f.key], fld=f)
        if self.form.legacy:
            tables = apply_legacy(self.ctx, self.form, self.sheet.name, tables, card, card_cells,
                                  header_found=headers[self.form.legacy.table][0] is not None)
        run_rules(self.ctx, self.form, self.sheet.name, tables, self.received)
        return FormData(self.form.id, self.sheet.name, card, card_cells, tables)

    # headers ----------------------------------------------------------------------------------
    def _find_headers(self) -> dict[str, tuple[int | None, dict[int, Field]]]:
        out: dict[str, tuple[int | None, dict[int, Field]]] = {}
        start = 0
        depts = self.ctx.ws.department_names()
        for table in self.form.tables:
            columns = table.columns(depts)
            labels: dict[str, Field] = {}
            for f in columns:
                labels.setdefault(label_key(f.label.zh), f)
                labels.setdefault(label_key(f.label.en), f)
                if f.department:
                    labels.setdefault(label_key(f.department), f)
            need = max(1, min(len(columns), math.ceil(len(columns) * 0.5), 3 if len(columns) >= 3 else len(columns)))
            found: tuple[int | None, dict[int, Field]] = (None, {})
            for r in self.rows:
                if r <= start:
                    continue
                mapping: dict[int, Field] = {}
                mapped: set[Field] = set()  # mapping's values: looked up by hash, not compared one by one
                for c, cell in self.sheet.row_cells(r, self.width).items():
                    if isinstance(cell.value, str):
                        hit = labels.get(label_key(cell.value))
                        if hit is not None and hit not in mapped:
                            mapping[c] = hit
                            mapped.add(hit)
                if len(mapping) >= need:
                    found = (r, mapping)
                    start = r
                    break
            out[table.id] = found
            header, mapping = found
            if header is not None:
                present = set(mapping.values())
                missing = [f for f in columns if f.required and f not in present]
                for f in missing:
                    self.ctx.add("column-missing", sheet=self.sheet.name, cell=cell_ref(header, 1), fld=f,
                                 table=table.title(self.ctx.lang))
        return out

    # card -------------------------------------------------------------------------------------
    def _card(self, limit: int | None) -> tuple[dict, dict, dict]:
        values: dict[str, object] = {}
        cells: dict[str, str] = {}
        raw: dict[str, Cell | None] = {}
        labels: dict[str, Field] = {}
        legacy = self.form.legacy.fields if self.form.legacy else ()
        for f in self.form.fields + legacy:
            labels.setdefault(label_key(f.label.zh), f)
            labels.setdefault(label_key(f.label.en), f)
        above = self.rows if limit is None else [r for r in self.rows if r < limit - 1]  # the card: above the tables
        for r in above:  # row by row, left to right (only the rows above the tables are looked at)
            for c, cell in self.sheet.row_cells(r, self.width).items():
                if not isinstance(cell.value, str):
                    continue
                fld = labels.get(label_key(cell.value))
                if fld is None or fld.key in cells:
                    continue
                col = self._right_of(r, c)
                ref = cell_ref(r, col)
                cells[fld.key] = ref
                target = self.sheet.cells.get((r, col))
                raw[fld.key] = target  # None when the cell is empty
                values[fld.key] = self._value(fld, target, ref, required=False)
        for f in self.form.fields:
            if f.key not in cells:
                self.ctx.add("field-missing", WARNING if not f.required else ERROR, sheet=self.sheet.name, fld=f)
        return values, cells, raw

    def _right_of(self, row: int, col: int) -> int:
        for r1, c1, r2, c2 in self.merges:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return c2 + 1
        return col + 1

    # tables -----------------------------------------------------------------------------------
    def _table(self, table: Table, header: int, end: int | None, mapping: dict[int, Field],
               titles: set[str]) -> tuple[Row, ...]:
        fill = self._merged_fill(header, end, mapping)
        keys = {f.key for f in mapping.values()}
        unmapped = [k for k in (f.key for f in table.columns(self.ctx.ws.department_names())) if k not in keys]
        # what each column's cells share, looked up once: the letter of their addresses, the field and its
        # type, and the cells read so far (a value read once per distinct Cell: see _value)
        columns: list[tuple[Field, str, bool, str, FieldType, _Seen]] = [
            (f, f.key, f.required, col_letter(c), field_type(f), {}) for c, f in mapping.items()]
        sheet_cells = self.sheet.cells
        rows = []
        for r in self.rows:
            if r <= header or (end is not None and r >= end):
                continue
            if fill:
                cells = [fill.get((r, c)) or sheet_cells.get((r, c)) for c in mapping]
            else:
                cells = [sheet_cells.get((r, c)) for c in mapping]
            present = [cell for cell in cells if cell is not None]
            if not present:
                continue
            if len(present) == 1 and isinstance(present[0].value, str) and label_key(present[0].value) in titles:
                continue  # the next table's title row
            values: dict[str, object] = {}
            refs: dict[str, str] = {}
            number = str(r)  # once per row, not per cell
            for cell, (f, key, required, letter, kind, seen) in zip(cells, columns, strict=True):
                ref = refs[key] = letter + number
                if cell is None and not required:
                    values[key] = None  # the common empty optional cell: nothing to check
                elif (known := seen.get(id(cell))) is not None and not known[2]:
                    values[key] = known[1]  # a Cell read before in this column, without findings
                else:
                    values[key] = self._value(f, cell, ref, required=required, kind=kind, seen=seen)
            for key in unmapped:
                values.setdefault(key, None)
            rows.append(Row(r, values, refs))
        return tuple(rows)

    def _merged_fill(self, header: int, end: int | None, mapping: dict[int, Field]) -> dict[tuple[int, int], Cell]:
        """Vertical merges inside a table: the top-left value counts for every row, with a warning."""
        fill: dict[tuple[int, int], Cell] = {}
        for r1, c1, r2, c2 in self.merges:
            if r2 == r1 or r1 <= header or (end is not None and r1 >= end) or c1 not in mapping:
                continue
            top = self.sheet.cells.get((r1, c1))
            self.ctx.add("merged-cells", WARNING, sheet=self.sheet.name, cell=f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}",
                         fld=mapping[c1])
            if top is not None:
                for r in range(r1 + 1, min(r2, r1 + 5000) + 1):
                    fill[(r, c1)] = top
        return fill

    # one cell ---------------------------------------------------------------------------------
    def _value(self, f: Field, cell: Cell | None, ref: str, required: bool, kind: FieldType | None = None,
               seen: _Seen | None = None) -> object:
        """The clean value of a cell for field `f`, or None (with a finding when it is wrong). With `seen`
        (a column's cells read so far): a Cell read before in the column (the reader gives one Cell to
        every cell of the same content) gives its value and findings again, at this cell's address."""
        if seen is None or cell is None:
            return self._read_cell(f, cell, required, kind or field_type(f), self._adder(f, ref))
        known = seen.get(id(cell))
        if known is None:
            found: list[tuple[tuple, dict]] = []
            value = self._read_cell(f, cell, required, kind or field_type(f),
                                    lambda *args, **params: found.append((args, params)))
            known = (cell, value, tuple(found))  # the cell kept with it: its id stays its own
            if len(seen) < SEEN_CELLS:
                seen[id(cell)] = known
        if known[2]:
            add = self._adder(f, ref)
            for args, params in known[2]:
                add(*args, **params)
        return known[1]

    def _read_cell(self, f: Field, cell: Cell | None, required: bool, kind: FieldType, add) -> object:
        if cell is not None and cell.formula is not None:
            if OUTSIDE_RE.search(cell.formula):
                add("external-formula", value=cell.formula)
                return None
            if not cell.cached:
                add("formula-no-value", value=cell.formula)
                return None
        if cell is not None and cell.error:
            add("cell-error", value=cell.value)
            return None
        value = None if cell is None else cell.value
        if cell is None or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                add("required")
            return None
        return kind.parse(f, cell, self.ctx, add)

    def _adder(self, f: Field, ref: str):
        def add(code: str, severity: str = ERROR, value: object = None, **params: object) -> None:
            self.ctx.add(code, severity, self.sheet.name, ref, f, value, **params)
        return add

