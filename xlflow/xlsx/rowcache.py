"""A big table's rendered rows kept between merges, one block per group of rows (a department).

`bulk_cached()` writes the same table as FastSheet.bulk(), byte for byte, but renders each block
of rows (a run of items of one group) once and keeps it in a `RowStore` under a digest of exactly
what its cells show: the raw values of its cells, and the table's signature (column kinds, how each
column shows a value, style indexes, first column, this module's version, xlsxwriter's). A block
whose digest is known is not rendered again: an incremental merge renders one department.

What makes it exact: a rendered row refers to shared strings by their index in the workbook's
table, which depends on the order in which strings were first met, and the table's `count` on
how many cells were rendered (bulk() renders each distinct value of a column once, remembered in
Styles' memos, which later tables share). A block is therefore kept with its strings in its own
numbering, its rows as templates ("{0[5]}" for its string 5, "{1}" for the row number) and, for
each column, the first sighting of each value (row, value, cell tail). Writing replays those
sightings in bulk()'s order (chunks of rows, column by column, row by row): a value the memo
lacks is one bulk() would have rendered then, so the string is added and the memo filled just
as it would have been; then each row is one str.format. Tables holding values this cannot key
(booleans, lists, aware datetimes, NaN, a `show` that is a closure) are written by bulk().
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Iterable
from functools import partial
from itertools import starmap
from typing import Any, Protocol

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .. import __version__
from .fastsheet import BULK_CHUNK, EMPTY_TAIL, Col, FastSheet, FieldValue, Styles

VERSION = 1
SEP = "\x00"  # between a slab's cells: XML text never holds it (control characters are escaped)
_PLAIN = frozenset({str, int, float, dt.date, dt.datetime, tuple, type(None)})


class RowStore(Protocol):
    """Where blocks are kept: a block is a dict of JSON values (see `_render_block`)."""

    def get(self, key: str) -> dict | None: ...

    def put(self, key: str, block: dict) -> None: ...


class MemoryRows:
    """A RowStore in memory, counting what it was asked (tests; the base of a stored one)."""

    def __init__(self, blocks: dict[str, dict] | None = None) -> None:
        self.blocks = dict(blocks or {})
        self.hits = 0
        self.rendered: list[str] = []  # keys of the blocks rendered (put) in this writing
        self.used: set[str] = set()

    def get(self, key: str) -> dict | None:
        block = self.blocks.get(key)
        if block is not None:
            self.hits += 1
            self.used.add(key)
        return block

    def put(self, key: str, block: dict) -> None:
        self.blocks[key] = block
        self.rendered.append(key)
        self.used.add(key)


def bulk_cached(sheet: FastSheet, first_row: int, cols: list[Col], items: Iterable[Any], styles: Styles,
                store: RowStore, group: Callable[[Any], object], first_col: int = 0) -> int:
    """FastSheet.bulk(), with each group's cells kept in `store`, column by column (see the module doc)."""
    items = items if isinstance(items, list) else list(items)
    dicts = [item.values for item in items] if any(type(c.get) is FieldValue for c in cols) else []
    values = [[d.get(c.get.key) for d in dicts] if type(c.get) is FieldValue else list(map(c.get, items))
              for c in cols]
    sigs = _signatures(cols, styles, first_col)
    if sigs is None or not all(map(_keyable, values)):
        return sheet.bulk(first_row, cols, items, styles, first_col)
    blocks = []
    for start, end in _runs(list(map(group, items))):
        slabs = []
        for i, column in enumerate(values):
            part = column[start:end]
            key = hashlib.sha256(f"{sigs[i]}|{part!r}".encode()).hexdigest()
            slab = store.get(key)
            if slab is None or not _fits(slab, end - start):
                slab = _render_slab(sheet, cols[i], styles, part)
                store.put(key, slab)
            slabs.append(slab)
        blocks.append((start, end, slabs))
    _replay(sheet, cols, styles, blocks, values)
    known = sheet.shared_string_known()
    tails: list[list[str]] = [[] for _ in cols]
    for _, _, slabs in blocks:  # each slab's cells with the workbook's string numbers: one format per slab
        for column, slab in zip(tails, slabs, strict=True):
            column += slab["text"].format(list(map(known, slab["strings"]))).split(SEP)
    row_xml = ('<row r="{0}">' + "".join(f'<c r="{xl_col_to_name(first_col + i)}{{0}}{{{i + 1}}}'
                                         for i in range(len(cols))) + "</row>").format
    numbers = map(str, range(first_row + 1, first_row + len(items) + 1))
    sheet._bulk.update(zip(range(first_row, first_row + len(items)), starmap(row_xml, zip(numbers, *tails)),
                           strict=True))
    if items:
        sheet.extend_dimensions(first_row, first_col)
        sheet.extend_dimensions(first_row + len(items) - 1, first_col + len(cols) - 1)
    return len(items)


def _replay(sheet: FastSheet, cols: list[Col], styles: Styles, blocks: list, values: list[list]) -> None:
    """What bulk() would have rendered, in its order (chunks of rows, column by column): every cell
    whose value the memo lacked when its chunk's column began is rendered there, adding its string
    (the first time) and counting it; and the memo is filled, just as bulk() does."""
    sst = sheet.shared_string_index()
    count = len(values[0]) if values else 0
    memos, lookups = [styles.memo(c) for c in cols], []
    for i, column in enumerate(values):
        tails: dict = {}  # value -> (its tail template, its string's number, the slab's strings)
        for start, _, slabs in blocks:
            for row, tail, sid in slabs[i]["firsts"]:
                tails.setdefault(column[start + row], (tail, sid, slabs[i]["strings"]))
        lookups.append((tails, {v: int(t[1] >= 0) for v, t in tails.items()}))
    for chunk in range(0, count, BULK_CHUNK):
        for memo, column, (tails, shared) in zip(memos, values, lookups, strict=True):
            part = column[chunk:chunk + BULK_CHUNK]
            got = list(map(memo.get, part))
            if None not in got:
                continue
            missing = [v for v, g in zip(part, got, strict=True) if g is None]
            first = dict.fromkeys(missing)
            for value in first:
                tail, sid, strings = tails[value]
                memo[value] = tail.format({sid: sst(strings[sid])} if sid >= 0 else None)
            sheet.count_string_cells(sum(map(shared.__getitem__, missing)) - sum(map(shared.__getitem__, first)))


def _render_slab(sheet: FastSheet, col: Col, styles: Styles, part: list) -> dict:
    """One column of one block, with its own string numbering: {"strings", "text" (its cells' tails
    joined by SEP, "{0[n]}" for its string n), "firsts" ([row, tail, n or -1] for each value's first cell)}."""
    strings: dict[str, int] = {}
    last = [-1]

    def local(value: str) -> str:
        last[0] = strings.setdefault(value, len(strings))
        return f"{{0[{last[0]}]}}"

    render = sheet._renderer(col, styles, local)
    seen: dict = {None: EMPTY_TAIL, "": EMPTY_TAIL}
    firsts = []
    for row, value in enumerate(part):
        if value in seen:
            continue
        last[0] = -1
        tail = render(value, None)
        if last[0] < 0:
            tail = tail.replace("{", "{{").replace("}", "}}")
        seen[value] = tail
        firsts.append([row, tail, last[0]])
    return {"strings": list(strings), "text": SEP.join(map(seen.__getitem__, part)), "firsts": firsts}


def _fits(slab: object, rows: int) -> bool:
    return (isinstance(slab, dict) and isinstance(slab.get("text"), str) and slab["text"].count(SEP) == rows - 1
            and isinstance(slab.get("strings"), list) and isinstance(slab.get("firsts"), list))


def _runs(groups: list) -> list[tuple[int, int]]:
    """(start, end) of each run of equal groups."""
    cuts = [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]
    return list(zip([0, *cuts], [*cuts, len(groups)], strict=True)) if groups else []


def _keyable(values: list) -> bool:
    """True when every value is one a block can be keyed by and told apart by its repr."""
    kinds = set(map(type, values))
    if not kinds <= _PLAIN:
        return False
    if float in kinds and not all(math.isfinite(v) for v in values if type(v) is float):
        return False
    if dt.datetime in kinds and any(v.tzinfo for v in values if type(v) is dt.datetime):
        return False
    return tuple not in kinds or all(_keyable(list(v)) for v in values if type(v) is tuple)


def _signatures(cols: list[Col], styles: Styles, first_col: int) -> list[str] | None:
    """Per column, what its cells depend on besides their values; None when a `show` cannot be named."""
    xfs = [styles.xf(k) for k in ("text", "text_quote", "date", "datetime", "int", "pct")]
    out = []
    for i, c in enumerate(cols):
        show = c.show
        if isinstance(show, partial) and not show.keywords:
            name, args = _name(show.func), repr(show.args)
        else:
            name, args = _name(show), ""
        if name is None:
            return None
        out.append(repr((VERSION, __version__, xlsxwriter.__version__, xfs, first_col, i, c.kind, name, args)))
    return out


def _name(func: object) -> str | None:
    """A module-level function's full name (nothing it could hide: no closure, no lambda)."""
    if func is None:
        return "-"
    name = getattr(func, "__qualname__", "")
    if not name or "<" in name or getattr(func, "__closure__", None):
        return None
    return f"{getattr(func, '__module__', '')}.{name}"
