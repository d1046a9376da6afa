"""A master workbook read back as tables: through the untrusted-file reader (xlsx/read.py), each
sheet found by its title in either language, its header row by the row key's label, its columns by
their header text (never by position: the coordinator may move, add or delete columns)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ...i18n import LANGS, msg
from ...spec.fields import as_text
from ...spec.master import MasterSpec
from ...xlsx.read import RawWorkbook, Sheet, label_key

HEADER_SEARCH_ROWS = 12  # title, subtitle, blank line: the header is the 4th row today
BLANK = "\x00column "  # the name given to a column with cells but no header ("\x00column 7")


@dataclass
class MasterTable:
    """One master sheet: its header texts -> column number, and row key -> {header: raw cell value}
    (cell_text() makes it comparable text; raw values are compared first, which is cheaper)."""
    sheet: str
    headers: dict[str, int]
    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    truncated: bool = False  # the reader stopped at its row cap: later rows were not read
    row_at: dict[str, int] = field(default_factory=dict)  # row key -> its sheet row
    doubled: dict[str, str] = field(default_factory=dict)  # "状态 (2)" -> "状态": a header typed twice
    unkeyed: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # rows without a key
    repeated: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)  # (row, key, cells) of a key seen before


def cell_text(value: object) -> str:
    """A cell as comparable text: dates ISO, 45.0 as 45, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return as_text(value)


def master_titles(spec: MasterSpec) -> set[str]:
    """The titles, in either language, of the master sheets that have coordinator columns."""
    out = set()
    for sheet in spec.sheets:
        try:
            out |= {msg(f"master-sheet-{sheet.id}", lang) for lang in LANGS}
        except KeyError:  # a sheet this build does not draw
            continue
    return out


def find_sheet(book: RawWorkbook, sheet_id: str) -> Sheet | None:
    """The master sheet `sheet_id` (message master-sheet-<id>) by its title in either language."""
    try:
        titles = {msg(f"master-sheet-{sheet_id}", lang) for lang in LANGS}
    except KeyError:  # a sheet this build does not draw
        return None
    return next((s for s in book.sheets if s.name in titles), None)


def read_table(book: RawWorkbook, sheet_id: str, row_labels: set[str]) -> MasterTable | None:
    """The sheet's table keyed by the column whose header is one of `row_labels` (e.g. 任务编号 / Task ID).
    A header typed twice gets " (2)"; a column with cells but no header is named BLANK + its number;
    rows without a key and rows repeating a key are kept aside (`unkeyed`, `repeated`)."""
    sheet = find_sheet(book, sheet_id)
    if sheet is None:
        return None
    wanted = {label_key(label) for label in row_labels}
    for r in range(1, HEADER_SEARCH_ROWS + 1):
        heads = {c: cell_text(cell.value) for c, cell in sheet.row_cells(r).items()}
        heads = {c: h for c, h in heads.items() if h}
        key_col = next((c for c, h in heads.items() if label_key(h) in wanted), None)
        if key_col is None:
            continue
        table = MasterTable(sheet.name, _headers(sheet, r, heads), truncated=sheet.truncated)
        for row in range(r + 1, sheet.last_row + 1):
            key = cell_text(sheet.value(row, key_col)).strip()
            cells = sheet.cells
            values = {h: cell.value for h, c in table.headers.items() if (cell := cells.get((row, c))) is not None}
            if not key:
                if values:
                    table.unkeyed.append((row, values))
            elif key in table.rows:
                table.repeated.append((row, key, values))
            else:
                table.rows[key], table.row_at[key] = values, row
        for new in table.headers:
            if (m := _DOUBLED.match(new)) and m.group(1) in table.headers and new not in heads.values():
                table.doubled[new] = m.group(1)
        return table
    return None


_DOUBLED = re.compile(r"^(.*) \((\d+)\)$")


def _headers(sheet: Sheet, header_row: int, heads: dict[int, str]) -> dict[str, int]:
    """header -> column: a repeated header numbered (the first keeps its name), a column that has
    cells below the header row but no header named BLANK + its number."""
    out: dict[str, int] = {}
    for c, h in sorted(heads.items()):
        name, n = h, 2
        while name in out:
            name, n = f"{h} ({n})", n + 1
        out[name] = c
    used = set(heads)
    for row, col in sheet.cells:
        if row > header_row and col not in used and col > 0:
            used.add(col)
            out[f"{BLANK}{col}"] = col
    return out
