"""The coordinator's layer across merges: before a merge replaces the master, read it back (as an
untrusted file) and keep what the coordinator typed; after, remember what xlflow wrote.

- `read_back` records the coordinator's columns (workbook_templates/master.toml) and any column
  the coordinator added, by row key, in the state database (features/coordinator/table.py: history kept), and
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
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ...check.cache import file_sha256
from ...config import Workspace
from ...errors import UnreadableWorkbook
from ...i18n import Phrase
from ...output.master.core import LayerData, WriteResult
from ...spec.catalog import Catalog, Field, load_catalog
from ...spec.master import LayerSheet, MasterSpec, load_master_spec
from ...store.atomic import ABSENT, Fingerprint, atomic_path, fingerprint, link_or_copy, owner_files, restore_aside
from ...store.state import StateDB
from ...xlsx.read import RawWorkbook, file_bytes, label_key, read_bytes, read_workbook
from . import generations, misplaced, strays
from .masterread import BLANK, MasterTable, cell_text, master_titles, read_table
from .protected import protected_master
from .table import EXTRA_PREFIX, CoordinatorLayer, MasterEdit
from .threeway import Base, Conflict, Verdict, conflict_phrases, judge


@dataclass
class FileRead:
    """One master file read back: its tables and what xlflow wrote in it (by sheet id)."""
    path: Path
    tables: dict[str, MasterTable] = field(default_factory=dict)
    reference: dict[str, MasterTable] = field(default_factory=dict)


@dataclass
class ReadBack:
    """What the read-back before a merge found (the merge prints it and keeps it)."""
    master: Path
    found: bool = False  # there was a master to read
    edited: bool = False  # a master file differs from what xlflow wrote there (or that is unknown)
    recorded: int = 0  # coordinator values new or changed since the last read-back
    carried: dict[str, list[str]] = field(default_factory=dict)  # sheet title -> headers of added columns seen
    history: Path | None = None  # the copy of the master about to be replaced, in master/history/
    problems: list[Phrase] = field(default_factory=list)
    files: list[FileRead] = field(default_factory=list)  # the files read, oldest first
    edits: list[MasterEdit] = field(default_factory=list)  # department cells changed (department_edits)
    seen: Fingerprint = ABSENT  # the file at `master` before it was read: the merge replaces only that one
    conflicts: list[Conflict] = field(default_factory=list)  # cells changed in a copy of an older master, and since
    refused: list[Path] = field(default_factory=list)  # another project's masters: not read


def written_copy(ws: Workspace, target: Path) -> Path:
    """Where the copy of what xlflow last wrote at `target` is kept (local, not on the share)."""
    digest = hashlib.sha256(str(Path(target).resolve()).encode("utf-8")).hexdigest()[:12]
    return ws.root / ".xlflow" / "written" / f"{digest}-{Path(target).name}"


def masters_to_read(ws: Workspace, target: Path) -> list[Path]:
    """The master and the masters xlflow wrote beside it while it was open (the coordinator may
    have typed into either), oldest first: a later save wins."""
    target = Path(target)
    beside = re.compile(rf"^{re.escape(target.stem)}-\d{{8}}-\d{{6}}(-\d+)?{re.escape(target.suffix)}$")
    found = [p for p in target.parent.glob(f"{target.stem}-*{target.suffix}")
             if beside.match(p.name) and written_copy(ws, p).is_file()]
    if target.is_file():
        found.append(target)
    return sorted(found, key=lambda p: (p.stat().st_mtime, p == target))


def read_back(ws: Workspace, target: Path, db: StateDB, spec: MasterSpec | None = None,
              catalog: Catalog | None = None, read_all: bool = False) -> ReadBack:
    """Read the master at `target` (and those written beside it) back and record what the
    coordinator typed since xlflow wrote them; keep the master about to be replaced in history/.
    `read_all`: compare with nothing, every value in a coordinator column or an added column is the
    coordinator's (`xlflow rebuild`, reading the masters a lost database had recorded)."""
    spec, catalog = spec or load_master_spec(), catalog or load_catalog()
    result = ReadBack(Path(target))
    restored = restore_aside(result.master)  # a merge killed while the old master was moved aside
    if restored is not None:
        result.problems.append(Phrase("coord-aside-restored", aside=restored.name, master=result.master))
    result.seen = fingerprint(result.master)  # before reading: a save from now on changes it
    if result.master.is_file():
        result.found = True
        result.history = keep_replaced(ws, result.master)
    layer = CoordinatorLayer(db)
    read = masters_to_read(ws, result.master)
    for path in read:
        _read_file(ws, path, result, layer, spec, catalog, read_all)
    if result.master.parent == ws.folder("master"):
        result.problems += strays.stray_copies(result.master, read)
    result.problems += conflict_phrases(result.conflicts)
    return result


def _read_file(ws: Workspace, path: Path, result: ReadBack, layer: CoordinatorLayer, spec: MasterSpec,
               catalog: Catalog, read_all: bool = False) -> None:
    reference = written_copy(ws, path)
    try:
        if reference.is_file() and filecmp.cmp(path, reference, shallow=False):
            return  # exactly what xlflow wrote: nothing typed
        data = _file_bytes(path)  # read from disk once, passed along (None: too large, said below)
        sha = hashlib.sha256(data).hexdigest() if data is not None else file_sha256(path)
    except OSError:
        return
    result.edited = True
    if layer.was_read(str(path), sha):
        return  # read before (the master stayed open): its values are kept, its edits were reported
    titles = master_titles(spec)
    try:
        book = read_bytes(data, path, titles) if data is not None else read_workbook(path, titles)
        base, compare_with = (Base(), None) if read_all else _base(ws, path, book, result, layer)
        if base is None:
            return  # another project's master: refused
        has_ref = compare_with is not None and compare_with.is_file()
        theirs_data = file_bytes(compare_with) if compare_with is not None and has_ref else None
        theirs = read_bytes(theirs_data, compare_with, titles) if compare_with and theirs_data is not None else None
    except UnreadableWorkbook as error:
        result.problems.append(protected_master(ws, path, result.history, reference) if error.code == "encrypted-workbook"
                               else Phrase("coord-unreadable", file=path.name, detail=Phrase(error.key, **error.params)))
        return
    read, conflicts = FileRead(path), len(result.conflicts)
    for sheet in spec.sheets:
        _read_sheet(result, read, sheet, book, theirs, layer, catalog, base)
    if theirs is not None and compare_with is not None:
        try:
            result.problems += strays.other_sheets(path, compare_with, titles, layer.db, data, theirs_data)
        except UnreadableWorkbook as error:  # read above: only a file changed meanwhile gets here
            result.problems.append(Phrase("coord-unreadable", file=path.name, detail=Phrase(error.key, **error.params)))
    result.files.append(read)
    if len(result.conflicts) == conflicts:  # with a conflict, its copy in history/ is all that holds the other value
        layer.mark_read(str(path), sha)  # (retention.py keeps a copy whose typing is not all recorded)


def _file_bytes(path: Path) -> bytes | None:
    """The file's bytes under the size limit; None when it is too large (reading it says so); OSError
    when it cannot be read (gone meanwhile: nothing to read back)."""
    try:
        return file_bytes(path)
    except UnreadableWorkbook as error:
        if error.code == "cannot-open":
            raise OSError(str(path)) from None
        return None


def _base(ws: Workspace, path: Path, book: RawWorkbook, result: ReadBack, layer: CoordinatorLayer,
          ) -> tuple[Base | None, Path | None]:
    """What the file is compared with: xlflow's copy of its own generation (a copy of an older master
    copied back contributes only what changed since that one), or for an unstamped master the copy
    of what xlflow last wrote at its path. None for another project's master (said, not read)."""
    stamp = generations.stamp_of(book.properties, book.names)
    if stamp.project is not None and stamp.project != ws.project.code and stamp.kind in (None, "master"):
        result.problems.append(Phrase("coord-foreign", file=path.name, project=stamp.project,
                                      ours=ws.project.code, kept=str(result.history or path)))
        result.refused.append(path)
        return None, None
    if stamp.generation is None:
        return Base(), written_copy(ws, path)
    copy = generations.copy_path(ws, stamp.generation)
    known = copy.is_file() and generations.known(layer.db, stamp.generation)
    last_here = generations.last_at(layer.db, path)
    if not known:
        result.problems.append(Phrase("coord-base-unknown", file=path.name, generation=stamp.generation))
    elif stamp.generation < last_here:
        result.problems.append(Phrase("coord-stale", file=path.name, generation=stamp.generation, latest=last_here))
    return Base(stamp.generation, known, stamp.generation < last_here), copy if known else None


def _read_sheet(result: ReadBack, read: FileRead, sheet: LayerSheet, book: RawWorkbook,
                theirs: RawWorkbook | None, layer: CoordinatorLayer, catalog: Catalog, base: Base) -> None:
    labels = {sheet.row_label.zh, sheet.row_label.en}
    table = read_table(book, sheet.id, labels)
    ref = read_table(theirs, sheet.id, labels) if theirs is not None else None
    if table is None:
        if ref is not None:  # xlflow wrote it: renamed?
            result.problems.append(Phrase("coord-sheet-missing", sheet=Phrase(f"master-sheet-{sheet.id}"),
                                          file=read.path.name, label=sheet.row_label.zh))
        return
    result.problems += misplaced.restore_cleared(table, ref)
    read.tables[sheet.id] = table
    if ref is not None:
        read.reference[sheet.id] = ref
    if table.truncated:
        result.problems.append(Phrase("coord-truncated", sheet=table.sheet, rows=len(table.rows)))
    columns = _columns(table, sheet)
    added = layer.ever_added(sheet.id)  # shown by xlflow, but the coordinator's: read like any typing
    own = layer.own_headers(sheet.id) | {h for h in (ref.headers if ref is not None else ()) if h not in added}
    extras = [h for h in table.headers if own and h not in own and h not in columns and not h.startswith(BLANK)]
    fresh = [h for h in extras if ref is None or h not in ref.headers]  # not in the master xlflow wrote
    if fresh:
        result.carried[table.sheet] = list(dict.fromkeys([*result.carried.get(table.sheet, []), *fresh]))
    result.problems += misplaced.doubled_headers(table, extras)
    result.problems += _added_columns(table, ref, extras, layer, sheet.id, read.path.name)
    keys = {h: f.key for h, f in columns.items()} | {h: EXTRA_PREFIX + h for h in extras}
    result.problems += misplaced.loose_rows(table, list(keys)) + misplaced.repeated_rows(table, list(keys))
    renamed = _ids_typed_over(table, ref, set(keys))
    for new, old in renamed.items():
        result.problems.append(Phrase("coord-id-edited", sheet=table.sheet, old=old, new=new))
    cells = _cells(result, table, ref, sheet, columns, keys, extras, renamed, layer, catalog, base, read.path.name)
    result.recorded += layer.record_many(sheet.id, cells, read.path.name, base.generation)


def _added_columns(table: MasterTable, ref: MasterTable | None, extras: list[str], layer: CoordinatorLayer,
                   sheet_id: str, source: str) -> list[Phrase]:
    """An added column deleted from the master is not shown again (its values stay in the layer);
    added again under the same title, it comes back."""
    shown = set(layer.extra_columns(sheet_id))
    out = []
    for header in ref.headers if ref is not None else ():
        if header in shown and header not in table.headers:
            layer.delete_column(sheet_id, header, source)
            out.append(Phrase("coord-column-deleted", sheet=table.sheet, header=header))
    for header in extras:
        if header not in shown and (ref is None or header not in ref.headers):
            layer.restore_column(sheet_id, header, source)
    return out


def _cells(result: ReadBack, table: MasterTable, ref: MasterTable | None, sheet: LayerSheet,
           columns: dict[str, Field], keys: dict[str, str], extras: list[str], renamed: dict[str, str],
           layer: CoordinatorLayer, catalog: Catalog, base: Base, source: str) -> list[tuple[str, str, str]]:
    """The (row key, column, value) cells the file contributes (threeway.py judges each)."""
    written = _written(ref, sheet, extras)
    newest = layer.newest(sheet.id) if base.generation is not None else {}
    cells = []
    for typed_key, row in table.rows.items():
        row_key = renamed.get(typed_key, typed_key)  # a task ID typed over: the values stay on the task
        if row_key != typed_key and row_key in table.rows:
            continue
        before = written.get(row_key)
        for header, key in keys.items():
            value = row.get(header)
            if before is not None and key in before and before[key] == value:
                continue  # as xlflow wrote it: not the coordinator's news
            text = _kept(cell_text(value), columns.get(header), catalog)
            was = _kept(cell_text(before[key]), columns.get(header), catalog) if before and key in before else None
            now = newest.get((row_key, key), ("", 0))[0]
            verdict = judge(text, was, now, base)
            if verdict is Verdict.RECORD:
                cells.append((row_key, key, text))
            elif verdict is Verdict.CONFLICT:
                result.conflicts.append(Conflict(table.sheet, row_key, header, now, text, source))
    return cells


def _kept(text: str, f: Field | None, catalog: Catalog) -> str:
    return _value(text, f, catalog) if f is not None else text


def _ids_typed_over(table: MasterTable, ref: MasterTable | None, own: set[str]) -> dict[str, str]:
    """Row keys typed over in the master (new -> the key xlflow wrote): a row whose key xlflow did
    not write, whose other cells xlflow wrote are those of exactly one row whose key is gone."""
    if ref is None:
        return {}
    gone = [k for k in ref.rows if k not in table.rows]
    if not gone:
        return {}

    def body(row: dict[str, object], key: str) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((h, cell_text(v)) for h, v in row.items() if h not in own and cell_text(v) != key))

    by_body: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for k in gone:
        by_body.setdefault(body(ref.rows[k], k), []).append(k)
    out = {}
    for k, row in table.rows.items():
        if k in ref.rows:
            continue
        match = by_body.get(body(row, k), [])
        if len(match) == 1:
            out[k] = match[0]
    return out


def _written(ref: MasterTable | None, sheet: LayerSheet, extras: list[str]) -> dict[str, dict[str, object]]:
    """row key -> column key -> the raw value xlflow wrote (empty when it is not known)."""
    if ref is None:
        return {}
    keys = {h: f.key for h, f in _columns(ref, sheet).items()} | {h: EXTRA_PREFIX + h for h in extras if h in ref.headers}
    return {row_key: {key: row.get(h) for h, key in keys.items()} for row_key, row in ref.rows.items()}


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
        link_or_copy(master, kept)
    except OSError:
        return None
    return kept


def retire_beside(ws: Workspace, target: Path) -> list[Path]:
    """Masters written beside the target while it was open, read back by this merge and now
    superseded by the master written in place: moved into master/history/ (kept, never deleted),
    so the coordinator sees one master again. One that is open itself stays where it is."""
    moved = []
    for path in masters_to_read(ws, Path(target)):
        if path == Path(target) or owner_files(path):
            continue
        kept = keep_replaced(ws, path)
        try:
            if kept is not None:
                path.unlink()
                written_copy(ws, path).unlink(missing_ok=True)
                moved.append(kept)
        except OSError:
            continue
    return moved


def layer_data(db: StateDB, spec: MasterSpec | None = None) -> LayerData:
    spec = spec or load_master_spec()
    return CoordinatorLayer(db).data(s.id for s in spec.sheets)


def remember_written(ws: Workspace, written: WriteResult, db: StateDB, copied: bool = False,
                     generation: int | None = None) -> None:
    """After a write: the headers xlflow wrote, and a copy of the master where it went (unless the
    writer `copied` it already, from its own file: a save over the master since is the coordinator's),
    kept for its `generation` too (generations.py)."""
    layer = CoordinatorLayer(db)
    for sheet, headers in written.headers.items():
        layer.note_headers(sheet, headers)
    copy = written_copy(ws, written.path)
    if not copied:
        try:
            with atomic_path(copy) as tmp:
                shutil.copyfile(written.path, tmp)
        except OSError:
            pass  # without the copy, the next read-back cannot tell edits apart; it still reads the columns
    if generation is not None and copy.is_file():
        generations.keep(ws, db, generation, written.path, copy)
