"""A master workbook read back as tables: through the untrusted-file reader (xlsx/read.py), each
sheet found by its title in either language, its header row by the row key's label, its columns by
their header text (never by position: the coordinator may move, add or delete columns)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ...i18n import LANGS, msg
from ...spec.fields import as_text
from ...spec.master import MasterSpec
from ...xlsx.read import RawWorkbook, Sheet, label_key

HEADER_SEARCH_ROWS = 12  # title, subtitle, blank line: the header is the 4th row today


@dataclass
class MasterTable:
    """One master sheet: its header texts -> column number, and row key -> {header: raw cell value}
    (cell_text() makes it comparable text; raw values are compared first, which is cheaper)."""
    sheet: str
    headers: dict[str, int]
    rows: dict[str, dict[str, object]] = field(default_factory=dict)
    truncated: bool = False  # the reader stopped at its row cap: later rows were not read


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
    """The sheet's table keyed by the column whose header is one of `row_labels` (e.g. 任务编号 / Task ID)."""
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
        table = MasterTable(sheet.name, {h: c for c, h in sorted(heads.items(), reverse=True)},
                            truncated=sheet.truncated)
        for row in range(r + 1, sheet.last_row + 1):
            key = cell_text(sheet.value(row, key_col)).strip()
            if key and key not in table.rows:
                cells = sheet.cells
                table.rows[key] = {h: cell.value for h, c in table.headers.items()
                                   if (cell := cells.get((row, c))) is not None}
        return table
    return None
