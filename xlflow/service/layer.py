"""The coordinator's layer across merges: before a merge replaces the master, read it back (as an
untrusted file) and keep what the coordinator typed; after, remember what xlflow wrote.

- `read_back` records the coordinator's columns (workbook_templates/master.toml) and any column
  the coordinator added, by row key, in the state database (store/layer.py: history kept), and
  keeps the master about to be replaced in master/history/ under a timestamped name.
- `department_edits` (edits.py) compares the department cells of the master read back with the
  copy of what xlflow wrote there last time, and reports each difference.
- `remember_written` keeps that copy (.xlflow/written/) and the headers xlflow wrote, so the next
  read-back tells the coordinator's columns and edits from xlflow's own.
"""
from __future__ import annotations

import datetime as dt
import filecmp
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Workspace
from ..errors import UnreadableWorkbook
from ..i18n import Phrase
from ..output.master import WriteResult
from ..spec.catalog import Catalog, Field, load_catalog
from ..spec.master import LayerSheet, MasterSpec, load_master_spec
from ..store.atomic import atomic_path
from ..store.layer import EXTRA_PREFIX, CoordinatorLayer, LayerData, MasterEdit
from ..store.state import StateDB
from ..xlsx.read import RawWorkbook, label_key, read_workbook
from .masterread import MasterTable, cell_text, master_titles, read_table


@dataclass
class ReadBack:
    """What the read-back of the current master found (the merge prints it and keeps it)."""
    master: Path
    found: bool = False  # there was a master to read
    edited: bool = False  # it differs from what xlflow wrote there last time (or that is unknown)
    recorded: int = 0  # coordinator values new or changed since the last read-back
    carried: dict[str, list[str]] = field(default_factory=dict)  # sheet id -> headers of added columns seen
    history: Path | None = None  # the copy of the master about to be replaced, in master/history/
    problems: list[Phrase] = field(default_factory=list)
    tables: dict[str, MasterTable] = field(default_factory=dict)  # sheet id -> the master's table
    reference: dict[str, MasterTable] = field(default_factory=dict)  # sheet id -> what xlflow wrote there
    edits: list[MasterEdit] = field(default_factory=list)  # department cells changed (department_edits)


def written_copy(ws: Workspace, target: Path) -> Path:
    """Where the copy of what xlflow last wrote at `target` is kept (local, not on the share)."""
    digest = hashlib.sha256(str(Path(target).resolve()).encode("utf-8")).hexdigest()[:12]
    return ws.root / ".xlflow" / "written" / f"{digest}-{Path(target).name}"


def read_back(ws: Workspace, target: Path, db: StateDB, spec: MasterSpec | None = None,
              catalog: Catalog | None = None) -> ReadBack:
    """Read the master at `target` back and record the coordinator's values; keep it in history/."""
    spec, catalog = spec or load_master_spec(), catalog or load_catalog()
    result = ReadBack(Path(target))
    if not result.master.is_file():
        return result
    result.found = True
    reference = written_copy(ws, result.master)
    try:
        result.edited = not (reference.is_file() and filecmp.cmp(result.master, reference, shallow=False))
    except OSError:
        result.edited = True
    result.history = keep_replaced(ws, result.master)
    if not result.edited:
        return result  # exactly what xlflow wrote: nothing typed, nothing to read
    titles = master_titles(spec)
    try:
        book = read_workbook(result.master, titles)
        theirs = read_workbook(reference, titles) if reference.is_file() else None
    except UnreadableWorkbook as error:
        result.problems.append(Phrase("coord-unreadable", file=result.master.name,
                                      detail=Phrase(error.key, **error.params)))
        return result
    layer = CoordinatorLayer(db)
    for sheet in spec.sheets:
        _read_sheet(result, sheet, book, theirs, layer, catalog)
    return result


def _read_sheet(result: ReadBack, sheet: LayerSheet, book: RawWorkbook, theirs: RawWorkbook | None,
                layer: CoordinatorLayer, catalog: Catalog) -> None:
    labels = {sheet.row_label.zh, sheet.row_label.en}
    table = read_table(book, sheet.id, labels)
    if table is None:
        if theirs is not None and read_table(theirs, sheet.id, labels) is not None:  # xlflow wrote it: renamed?
            result.problems.append(Phrase("coord-sheet-missing", sheet=Phrase(f"master-sheet-{sheet.id}"),
                                          file=result.master.name, label=sheet.row_label.zh))
        return
    result.tables[sheet.id] = table
    if theirs is not None and (ref := read_table(theirs, sheet.id, labels)) is not None:
        result.reference[sheet.id] = ref
    if table.truncated:
        result.problems.append(Phrase("coord-truncated", sheet=table.sheet, rows=len(table.rows)))
    columns = _columns(table, sheet)
    own = layer.own_headers(sheet.id) | set(result.reference.get(sheet.id, MasterTable("", {})).headers)
    extras = [h for h in table.headers if own and h not in own and h not in columns]
    result.carried[sheet.id] = extras
    cells = [(key, f.key, _value(cell_text(row.get(header)), f, catalog)) for key, row in table.rows.items()
             for header, f in columns.items()]
    cells += [(key, EXTRA_PREFIX + h, cell_text(row.get(h))) for key, row in table.rows.items() for h in extras]
    result.recorded += layer.record_many(sheet.id, cells, result.master.name)


def _columns(table: MasterTable, sheet: LayerSheet) -> dict[str, Field]:
    """The master's headers that are coordinator columns (by label, either language) -> the column."""
    by_label = {label_key(label): sheet.column(key) for label, key in sheet.labels().items()}
    return {h: by_label[label_key(h)] for h in table.headers if label_key(h) in by_label}


def _value(text: str, f: Field, catalog: Catalog) -> str:
    """How a value is kept: a list value as its code (whatever language it was picked in), else the text."""
    if text and f.choices:
        return catalog.enums[f.choices].lookup(text) or text
    return text


def keep_replaced(ws: Workspace, master: Path) -> Path | None:
    """The master about to be replaced, kept in master/history/ under the time it was last saved,
    never overwritten (a hard link when the folder allows it: the merge then replaces the name, not
    the file). None if it could not be kept; the merge goes on."""
    folder = ws.folder("master") / "history"
    stamp = dt.datetime.fromtimestamp(master.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    kept = folder / f"{master.stem}-replaced-{stamp}{master.suffix}"
    n = 2
    while kept.exists():
        if filecmp.cmp(master, kept, shallow=False):
            return kept  # this very file is kept already (the master was not replaced last time)
        kept, n = folder / f"{master.stem}-replaced-{stamp}-{n}{master.suffix}", n + 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.link(master, kept)
        except OSError:
            with atomic_path(kept) as tmp:
                shutil.copyfile(master, tmp)
    except OSError:
        return None
    return kept


def layer_data(db: StateDB, spec: MasterSpec | None = None) -> LayerData:
    spec = spec or load_master_spec()
    return CoordinatorLayer(db).data(s.id for s in spec.sheets)


def remember_written(ws: Workspace, written: WriteResult, db: StateDB) -> None:
    """After a write: the headers xlflow wrote, and a copy of the master where it went."""
    layer = CoordinatorLayer(db)
    for sheet, headers in written.headers.items():
        layer.note_headers(sheet, headers)
    try:
        with atomic_path(written_copy(ws, written.path)) as tmp:
            shutil.copyfile(written.path, tmp)
    except OSError:
        pass  # without the copy, the next read-back cannot tell edits apart; it still reads the columns
