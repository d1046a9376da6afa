"""The coordinator's layer: what the coordinator typed into the master, kept for good.

Before a merge replaces the master, the coordinator's columns (workbook_templates/master.toml),
any column the coordinator added, and edits to a department's own cells are read back from it
(features/coordinator/readback.py). Their values are recorded here by sheet, row key (task ID, change ID) and
column key; a row is never updated or deleted: a new value is a new row, so every value ever
typed stays in reach (`history`). `values` gives the newest value of each cell, which the next
master shows again. A column the coordinator added is kept under the key "+<its header>".
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ...output.master.core import LayerData
from ...store.db import Database, now_iso, register

EXTRA_PREFIX = "+"  # column key of a column the coordinator added: "+PMO跟进"
COLUMN_ROW = ""  # the row key of a value about a whole added column
DELETED = "deleted"  # ... that says it was deleted from the master (its values stay)

SCHEMA = """
CREATE TABLE IF NOT EXISTS coordinator_layer (
    id INTEGER PRIMARY KEY,
    sheet TEXT NOT NULL,     -- master.toml sheet id: wbs, delays, changes
    row_key TEXT NOT NULL,   -- task ID or change ID
    col TEXT NOT NULL,       -- column key from master.toml, or "+header" for a column the coordinator added
    value TEXT NOT NULL,     -- as text (dates ISO, list values as codes); '' when the coordinator emptied it
    source TEXT NOT NULL,    -- where it was read: the master's file name
    recorded TEXT NOT NULL,
    base INTEGER             -- the generation of the master it was typed into (generations.py); NULL: unknown
);
CREATE INDEX IF NOT EXISTS coordinator_layer_cell ON coordinator_layer (sheet, row_key, col, id);
CREATE TABLE IF NOT EXISTS coordinator_headers (  -- every header xlflow itself wrote on a master sheet
    sheet TEXT NOT NULL,
    header TEXT NOT NULL,
    PRIMARY KEY (sheet, header)
);
CREATE TABLE IF NOT EXISTS coordinator_reads (  -- master files already read back, by content
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    read TEXT NOT NULL,
    PRIMARY KEY (path, sha256)
);
CREATE TABLE IF NOT EXISTS master_edits (  -- department cells changed in the master, reported
    id INTEGER PRIMARY KEY,
    found TEXT NOT NULL,
    as_of TEXT NOT NULL,          -- the merge's as-of date: the brief of that week shows it
    master_file TEXT NOT NULL,
    department TEXT NOT NULL,
    task_id TEXT NOT NULL,
    field TEXT NOT NULL,
    master_value TEXT NOT NULL,   -- what the master shows now
    written_value TEXT NOT NULL,  -- what xlflow wrote there
    department_value TEXT NOT NULL  -- what the department's workbook says now
);
"""
register("store.layer", SCHEMA, added=((2, "coordinator_layer", "base", "INTEGER"),))


@dataclass(frozen=True)
class LayerValue:
    sheet: str
    row_key: str
    column: str
    value: str
    source: str
    recorded: str


@dataclass(frozen=True)
class MasterEdit:
    """A department's own cell (status, a date) changed in the master by hand."""
    department: str
    task_id: str
    field: str  # WBS field key: status, start, due, owner, progress…
    master_value: str
    written_value: str
    department_value: str
    master_file: str = ""
    found: str = ""  # when it was found (local time, ISO)
    as_of: str = ""  # the as-of date of the merge that found it (ISO)


class CoordinatorLayer:
    def __init__(self, db: Database) -> None:
        self.db = db

    def values(self, sheet: str) -> dict[str, dict[str, str]]:
        """row key -> column key -> the newest value (emptied cells left out)."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT row_key, col, value FROM coordinator_layer WHERE sheet=? AND id IN"
                               " (SELECT max(id) FROM coordinator_layer WHERE sheet=? GROUP BY row_key, col)"
                               " ORDER BY id", (sheet, sheet)).fetchall()
        out: dict[str, dict[str, str]] = {}
        for row_key, col, value in rows:
            if value != "" and row_key != COLUMN_ROW:
                out.setdefault(row_key, {})[col] = value
        return out

    def record(self, sheet: str, row_key: str, column: str, value: str, source: str) -> bool:
        """Record one value; False (nothing written) when it is the cell's newest value already."""
        return self.record_many(sheet, [(row_key, column, value)], source) == 1

    def newest(self, sheet: str) -> dict[tuple[str, str], tuple[str, int]]:
        """(row key, column) -> its newest value and the generation of the master it was typed into (0: unknown)."""
        with self.db.transaction() as con:
            return {(r, c): (v, int(b or 0)) for r, c, v, b in con.execute(
                "SELECT row_key, col, value, base FROM coordinator_layer WHERE sheet=? AND id IN"
                " (SELECT max(id) FROM coordinator_layer WHERE sheet=? GROUP BY row_key, col)", (sheet, sheet))}

    def record_many(self, sheet: str, cells: Iterable[tuple[str, str, str]], source: str,
                    base: int | None = None) -> int:
        """(row key, column, value) triples, in one transaction; only changed values make a row. `base`:
        the generation of the master they were typed into."""
        cells = list(cells)
        stamp = now_iso()
        written = 0
        with self.db.transaction() as con:
            newest = {(r, c): v for r, c, v in con.execute(
                "SELECT row_key, col, value FROM coordinator_layer WHERE sheet=? AND id IN"
                " (SELECT max(id) FROM coordinator_layer WHERE sheet=? GROUP BY row_key, col)", (sheet, sheet))}
            for row_key, column, value in cells:
                if newest.get((row_key, column), "") == value:
                    continue
                con.execute("INSERT INTO coordinator_layer (sheet, row_key, col, value, source, recorded, base)"
                            " VALUES (?,?,?,?,?,?,?)", (sheet, row_key, column, value, source, stamp, base))
                newest[(row_key, column)] = value
                written += 1
        return written

    def history(self, sheet: str, row_key: str | None = None) -> list[LayerValue]:
        """Every value ever recorded on the sheet (or for one row), oldest first."""
        query = "SELECT sheet, row_key, col, value, source, recorded FROM coordinator_layer WHERE sheet=?"
        params: tuple[str, ...] = (sheet,)
        if row_key is not None:
            query, params = query + " AND row_key=?", (sheet, row_key)
        with self.db.transaction() as con:
            return [LayerValue(*r) for r in con.execute(query + " ORDER BY id", params)]

    def extra_columns(self, sheet: str) -> list[str]:
        """Headers of the columns the coordinator added to the sheet, in the order first seen (but
        those deleted from the master since)."""
        with self.db.transaction() as con:
            rows = con.execute("SELECT col FROM coordinator_layer WHERE sheet=? AND col LIKE ? AND row_key != ?"
                               " GROUP BY col ORDER BY min(id)", (sheet, EXTRA_PREFIX + "%", COLUMN_ROW)).fetchall()
            deleted = {r[0] for r in con.execute(
                "SELECT col, value FROM coordinator_layer WHERE sheet=? AND row_key=? AND id IN"
                " (SELECT max(id) FROM coordinator_layer WHERE sheet=? AND row_key=? GROUP BY col)",
                (sheet, COLUMN_ROW, sheet, COLUMN_ROW)) if r[1] == DELETED}
        return [r[0][len(EXTRA_PREFIX):] for r in rows if r[0] not in deleted]

    def ever_added(self, sheet: str) -> set[str]:
        """Headers of every column the coordinator ever added to the sheet (deleted ones too)."""
        with self.db.transaction() as con:
            return {r[0][len(EXTRA_PREFIX):] for r in con.execute(
                "SELECT DISTINCT col FROM coordinator_layer WHERE sheet=? AND col LIKE ?", (sheet, EXTRA_PREFIX + "%"))}

    def delete_column(self, sheet: str, header: str, source: str) -> None:
        self.record_many(sheet, [(COLUMN_ROW, EXTRA_PREFIX + header, DELETED)], source)

    def restore_column(self, sheet: str, header: str, source: str) -> None:
        self.record_many(sheet, [(COLUMN_ROW, EXTRA_PREFIX + header, "")], source)

    def data(self, sheets: Iterable[str]) -> LayerData:
        """The newest values and the added columns of these sheets, for the master writer."""
        sheets = list(sheets)
        return LayerData({s: self.values(s) for s in sheets}, {s: self.extra_columns(s) for s in sheets})

    # ---- the headers xlflow writes: anything else on the sheet is the coordinator's ----

    def own_headers(self, sheet: str) -> set[str]:
        with self.db.transaction() as con:
            return {r[0] for r in con.execute("SELECT header FROM coordinator_headers WHERE sheet=?", (sheet,))}

    def note_headers(self, sheet: str, headers: Iterable[str]) -> None:
        with self.db.transaction() as con:
            con.executemany("INSERT OR IGNORE INTO coordinator_headers VALUES (?,?)", [(sheet, h) for h in headers])

    # ---- master files read back ----

    def was_read(self, path: str, sha256: str) -> bool:
        with self.db.transaction() as con:
            return con.execute("SELECT 1 FROM coordinator_reads WHERE path=? AND sha256=?",
                               (path, sha256)).fetchone() is not None

    def read_contents(self) -> set[str]:
        """The content hashes of every master file read back (its typing is recorded)."""
        with self.db.transaction() as con:
            return {r[0] for r in con.execute("SELECT sha256 FROM coordinator_reads")}

    def mark_read(self, path: str, sha256: str) -> None:
        with self.db.transaction() as con:
            con.execute("INSERT OR IGNORE INTO coordinator_reads VALUES (?,?,?)", (path, sha256, now_iso()))

    # ---- department cells changed in the master ----

    def record_edits(self, edits: Iterable[MasterEdit], master_file: str, as_of: dt.date) -> None:
        stamp = now_iso()
        with self.db.transaction() as con:
            con.executemany("INSERT INTO master_edits (found, as_of, master_file, department, task_id, field,"
                            " master_value, written_value, department_value) VALUES (?,?,?,?,?,?,?,?,?)",
                            [(stamp, as_of.isoformat(), master_file, e.department, e.task_id, e.field,
                              e.master_value, e.written_value, e.department_value) for e in edits])

    def edits(self, since: dt.date | None = None, until: dt.date | None = None) -> list[MasterEdit]:
        """The reported edits of merges as of since..until (inclusive), oldest first."""
        query = ("SELECT department, task_id, field, master_value, written_value, department_value,"
                 " master_file, found, as_of FROM master_edits WHERE 1=1")
        params: list[str] = []
        if since is not None:
            query, params = query + " AND as_of >= ?", [*params, since.isoformat()]
        if until is not None:
            query, params = query + " AND as_of <= ?", [*params, until.isoformat()]
        with self.db.transaction() as con:
            return [MasterEdit(*r) for r in con.execute(query + " ORDER BY id", params)]
