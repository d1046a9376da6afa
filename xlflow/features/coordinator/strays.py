"""Typing the read-back cannot keep, said so that it is not lost without a word: cells changed on a
master sheet that has no coordinator's columns (the dashboard, the timeline...), a sheet added to the
master, and copies of the master left in master/ ("… - 副本.xlsx", an .ods or .xls of it) that
xlflow never reads. Each file is left where it is; the master read is kept in master/history/."""
from __future__ import annotations

from pathlib import Path

from ...i18n import Phrase
from ...xlsx.read import RawWorkbook, Sheet, cell_ref
from .masterread import cell_text

SPREADSHEETS = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".et", ".numbers"})


def stray_copies(master: Path, read: list[Path]) -> list[Phrase]:
    """Spreadsheets in the master's folder that xlflow does not read (`read`: those it does)."""
    folder = master.parent
    try:
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in SPREADSHEETS and p.is_file()
                       and not p.name.startswith((".", "~")) and p not in read and p != master)
    except OSError:
        return []
    return [Phrase("coord-stray-copy", file=p.name, master=master.name) for p in found]


def other_sheets(book: RawWorkbook, written: RawWorkbook, layer_titles: set[str]) -> list[Phrase]:
    """Sheets without the coordinator's layer whose cells differ from what xlflow wrote, and sheets
    xlflow did not write at all (formulas are left out: a recalculation is not typing)."""
    out = []
    for sheet in book.sheets:
        if sheet.name in layer_titles:
            continue
        theirs = written.sheet(sheet.name)
        if theirs is None:
            if any(c.formula is None for c in sheet.cells.values()):
                out.append(Phrase("coord-sheet-added", sheet=sheet.name))
            continue
        changed = _changed(sheet, theirs)
        if changed:
            out.append(Phrase("coord-sheet-typed", sheet=sheet.name, count=len(changed), cell=cell_ref(*min(changed))))
    return out


def _changed(mine: Sheet, theirs: Sheet) -> list[tuple[int, int]]:
    out = []
    for at in mine.cells.keys() | theirs.cells.keys():
        a, b = mine.cells.get(at), theirs.cells.get(at)
        if (a is not None and a.formula is not None) or (b is not None and b.formula is not None):
            continue
        if cell_text(a.value if a else None) != cell_text(b.value if b else None):
            out.append(at)
    return out
