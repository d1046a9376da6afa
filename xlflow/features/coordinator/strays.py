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
from ...xlsx.digest import KIND, NO_VALUES, value_digests
from ...xlsx.read import Sheet, cell_ref, file_bytes, read_bytes
from .masterread import cell_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS master_sheet_digests (  -- the cells xlflow wrote on a master's other sheets
    written TEXT NOT NULL,  -- the sha256 of the copy of what xlflow wrote
    sheet TEXT NOT NULL,
    digest TEXT NOT NULL,   -- of its values (xlsx/digest.py; '' : the file has no such sheet)
    PRIMARY KEY (written, sheet)
);
CREATE TABLE IF NOT EXISTS written_hashes (  -- the sha256 of each copy under .xlflow/written/ when last read
    name TEXT PRIMARY KEY,  -- its path under .xlflow/written/
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode TEXT NOT NULL,  -- the file ID (as text: 128 bits on some file systems)
    sha256 TEXT NOT NULL
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


def other_sheets(path: Path, reference: Path, layer_titles: set[str], db: Database,
                 data: bytes | None = None, reference_data: bytes | None = None) -> list[Phrase]:
    """Sheets of the master at `path` without the coordinator's layer whose cells differ from what
    xlflow wrote at `reference`, and sheets xlflow did not write at all (formulas are left out: a
    recalculation is not typing). The sheets' value digests (xlsx/digest.py) are compared first,
    without reading them; only a sheet whose digest differs is read, from both files. What xlflow
    wrote is digested once per file: each sheet's digest is kept in the state database. `data`,
    `reference_data`: the two files' bytes, as the caller read them (each file read from disk once)."""
    data = file_bytes(path) if data is None else data
    mine = value_digests(path, layer_titles, data)
    if not mine:
        return []
    reference_data = file_bytes(reference) if reference_data is None else reference_data
    key = hashlib.sha256(reference_data).hexdigest()
    known = _digests(db, key)
    missing = set(mine) - set(known)
    if missing:
        theirs = value_digests(reference, layer_titles, reference_data)
        known |= {name: ABSENT if name not in theirs else theirs[name] or UNSURE for name in missing}
        with db.transaction() as con:
            con.executemany("INSERT OR REPLACE INTO master_sheet_digests VALUES (?,?,?)",
                            [(key, name, known[name]) for name in missing])
    differ = {name for name, digest in mine.items() if digest is None or digest != known[name]}
    differ -= {name for name in differ if known[name] == ABSENT and mine[name] == NO_VALUES}
    if not differ:
        return []
    added = {name for name in differ if known[name] == ABSENT}
    book = read_bytes(data, path, differ)
    written = read_bytes(reference_data, reference, differ - added) if differ - added else None
    out = []
    for sheet in book.sheets:
        if sheet.name in added:
            if _texts(sheet):
                out.append(Phrase("coord-sheet-added", sheet=sheet.name))
            continue
        old = written.sheet(sheet.name) if written is not None else None
        changed = _changed(sheet, old) if old is not None else []
        if changed:
            out.append(Phrase("coord-sheet-typed", sheet=sheet.name, count=len(changed), cell=cell_ref(*min(changed))))
    return out


ABSENT = ""  # the digest kept for a sheet xlflow did not write
UNSURE = "?"  # kept for a sheet of xlflow's that the digest cannot be sure of: read in full when typed on


Hashed = tuple[int, int, str, str]  # a copy's size, mtime_ns and file ID when hashed, and its sha256


def prune_digests(written: Path, db: Database) -> int:
    """Remove the digests of copies no longer kept (bounded disk): a row is kept while a file under
    `written` (.xlflow/written/: the copy of what xlflow last wrote at each path, and each kept
    generation's) still has its content. The rows deleted.

    A copy is hashed again only when its size, modification time or file ID changed since it was
    last hashed (written_hashes): a merge reads the one copy it wrote, not every generation kept.
    A stale hash could only keep a row too long or drop one the next read-back makes again: the
    read-back compares digests under the hash of the bytes it reads."""
    with db.transaction() as con:
        keys = {r[0] for r in con.execute("SELECT DISTINCT written FROM master_sheet_digests")}
        known: dict[str, Hashed] = {name: (size, mtime, inode, sha) for name, size, mtime, inode, sha in
                                    con.execute("SELECT name, size, mtime_ns, inode, sha256 FROM written_hashes")}
    if not keys:
        return 0
    found = _content_hashes(written, known)
    gone = sorted(keys - {entry[3] for entry in found.values()})
    with db.transaction() as con:
        con.executemany("DELETE FROM master_sheet_digests WHERE written=?", [(key,) for key in gone])
        if found != known:
            con.execute("DELETE FROM written_hashes")
            con.executemany("INSERT INTO written_hashes VALUES (?,?,?,?,?)",
                            [(name, *entry) for name, entry in found.items()])
    return len(gone)


def _content_hashes(written: Path, known: dict[str, Hashed]) -> dict[str, Hashed]:
    """Each .xlsx under `written` by its path there: (size, mtime_ns, file ID, sha256), the hash kept in
    `known` while the first three are unchanged, else read (a generation's copy is a hard link: each
    file read once)."""
    out: dict[str, Hashed] = {}
    read: dict[tuple[int, int], str] = {}
    for path in written.rglob("*.xlsx") if written.is_dir() else ():
        try:
            stat = path.stat()
            name, now = path.relative_to(written).as_posix(), (stat.st_size, stat.st_mtime_ns, str(stat.st_ino))
            kept = known.get(name)
            if kept is not None and kept[:3] == now:
                out[name] = kept
                read.setdefault((stat.st_dev, stat.st_ino), kept[3])
                continue
            if (stat.st_dev, stat.st_ino) not in read:
                read[(stat.st_dev, stat.st_ino)] = file_sha256(path)
            out[name] = (*now, read[(stat.st_dev, stat.st_ino)])
        except OSError:
            continue
    return out


def _digests(db: Database, key: str) -> dict[str, str]:
    """The value digests kept for the copy `key` (a digest of the older kind, the cells' text, is
    dropped: it is made again)."""
    with db.transaction() as con:
        rows = con.execute("SELECT sheet, digest FROM master_sheet_digests WHERE written=?", (key,)).fetchall()
    return {sheet: digest for sheet, digest in rows if digest in (ABSENT, UNSURE, NO_VALUES) or digest.startswith(KIND)}


def _texts(sheet: Sheet) -> dict[tuple[int, int], str]:
    """The cells as text, formulas and empty cells left out."""
    return {at: text for at, cell in sheet.cells.items() if cell.formula is None and (text := cell_text(cell.value))}


def _changed(mine: Sheet, theirs: Sheet) -> list[tuple[int, int]]:
    a, b = _texts(mine), _texts(theirs)
    formulas = {at for s in (mine, theirs) for at, cell in s.cells.items() if cell.formula is not None}
    return [at for at in a.keys() | b.keys() if at not in formulas and a.get(at, "") != b.get(at, "")]
