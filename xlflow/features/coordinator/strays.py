"""Typing the read-back cannot keep, said so that it is not lost without a word: cells changed on a
master sheet that has no coordinator's columns (the dashboard, the timeline...), a sheet added to the
master, and copies of the master left in master/ ("… - 副本.xlsx", an .ods or .xls of it) that
xlflow never reads. Each file is left where it is; the master read is kept in master/history/."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ...check.cache import file_sha256
from ...i18n import Phrase
from ...store.db import Database, register
from ...xlsx.read import RawWorkbook, Sheet, cell_ref, read_workbook
from .masterread import cell_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS master_sheet_digests (  -- the cells xlflow wrote on a master's other sheets
    written TEXT NOT NULL,  -- the sha256 of the copy of what xlflow wrote
    sheet TEXT NOT NULL,
    digest TEXT NOT NULL,   -- of its cells as text ('' : the file has no such sheet)
    PRIMARY KEY (written, sheet)
);
"""
register("coordinator.strays", SCHEMA)

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


def other_sheets(book: RawWorkbook, reference: Path, layer_titles: set[str], db: Database) -> list[Phrase]:
    """Sheets without the coordinator's layer whose cells differ from what xlflow wrote at `reference`,
    and sheets xlflow did not write at all (formulas are left out: a recalculation is not typing).
    What xlflow wrote is read once per file: each sheet's digest is kept in the state database."""
    mine = {s.name: s for s in book.sheets if s.name not in layer_titles}
    if not mine:
        return []
    key = file_sha256(reference)
    known = _digests(db, key)
    missing = set(mine) - set(known)
    if missing:
        theirs = read_workbook(reference, missing)
        known |= {name: _digest(sheet) if (sheet := theirs.sheet(name)) is not None else ABSENT for name in missing}
        with db.transaction() as con:
            con.executemany("INSERT OR REPLACE INTO master_sheet_digests VALUES (?,?,?)",
                            [(key, name, known[name]) for name in missing])
    out = []
    for name, sheet in mine.items():
        if _digest(sheet) == known[name]:
            continue
        if known[name] == ABSENT:
            if _texts(sheet):
                out.append(Phrase("coord-sheet-added", sheet=name))
            continue
        written = read_workbook(reference, {name}).sheet(name)
        changed = _changed(sheet, written) if written is not None else []
        if changed:
            out.append(Phrase("coord-sheet-typed", sheet=name, count=len(changed), cell=cell_ref(*min(changed))))
    return out


ABSENT = ""  # the digest kept for a sheet xlflow did not write


def prune_digests(written: Path, db: Database) -> int:
    """Remove the digests of copies no longer kept (bounded disk): a row is kept while a file under
    `written` (.xlflow/written/: the copy of what xlflow last wrote at each path, and each kept
    generation's) still has its content. The rows deleted."""
    with db.transaction() as con:
        keys = {r[0] for r in con.execute("SELECT DISTINCT written FROM master_sheet_digests")}
    if not keys:
        return 0
    seen: dict[tuple[int, int], str] = {}  # a generation's copy is a hard link: each file read once
    for path in written.rglob("*.xlsx") if written.is_dir() else ():
        try:
            stat = path.stat()
            if (stat.st_dev, stat.st_ino) not in seen:
                seen[(stat.st_dev, stat.st_ino)] = file_sha256(path)
        except OSError:
            continue
    gone = sorted(keys - set(seen.values()))
    with db.transaction() as con:
        con.executemany("DELETE FROM master_sheet_digests WHERE written=?", [(key,) for key in gone])
    return len(gone)


def _digests(db: Database, key: str) -> dict[str, str]:
    with db.transaction() as con:
        return {r[0]: r[1] for r in con.execute("SELECT sheet, digest FROM master_sheet_digests WHERE written=?", (key,))}


def _texts(sheet: Sheet) -> dict[tuple[int, int], str]:
    """The cells as text, formulas and empty cells left out."""
    return {at: text for at, cell in sheet.cells.items() if cell.formula is None and (text := cell_text(cell.value))}


def _digest(sheet: Sheet) -> str:
    digest = hashlib.sha256()
    for (row, col), text in sorted(_texts(sheet).items()):
        digest.update(f"{row},{col}\t{text}\n".encode())
    return digest.hexdigest()


def _changed(mine: Sheet, theirs: Sheet) -> list[tuple[int, int]]:
    a, b = _texts(mine), _texts(theirs)
    formulas = {at for s in (mine, theirs) for at, cell in s.cells.items() if cell.formula is not None}
    return [at for at in a.keys() | b.keys() if at not in formulas and a.get(at, "") != b.get(at, "")]
