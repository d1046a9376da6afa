"""Big tables written fast into xlsxwriter sheets: `FastSheet.bulk()` and what it needs.

xlsxwriter spends ~10 µs per cell (50,000 tasks × 25 columns = 12 s). `bulk()` renders
each row's <c> elements itself, straight into the row list xlsxwriter writes out, using
xlsxwriter's own shared string table and formats; everything else (tables, conditional
formats, validation, charts, print setup) stays plain xlsxwriter API in output/master/.
What this needs of xlsxwriter's internals is in private.py (BulkRowsSheet, xf_index).

Untrusted text is only ever written as a string cell: shared strings (t="s"), never a
formula, with Excel's quote prefix on text that begins with = + - @ so that it stays text
when a coordinator edits the cell.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat, starmap
from operator import itemgetter, methodcaller, not_
from types import NoneType
from typing import Any, cast

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..spec.limits import FORMULA_START, TEXT_LIMIT
from .private import BulkRowsSheet, xf_index

RISKY_FIRST = FORMULA_START
MAX_TEXT = TEXT_LIMIT
EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
PHANTOM_LEAP_DAY = 61  # serial of 1900-03-01: Excel counts a 1900-02-29 that never was


def _serial_day(day: dt.date) -> int:
    """Excel's serial day number (1900 system): 1900-01-01 is 1, and the phantom 1900-02-29 is 60."""
    serial = day.toordinal() - EXCEL_EPOCH
    return serial if serial >= PHANTOM_LEAP_DAY else serial - 1


def _clip(value: str) -> str:
    """At most Excel's 32,767 characters, counted as Excel counts them: UTF-16 units (an emoji is two)."""
    if len(value) <= MAX_TEXT // 2:
        return value
    units = value.encode("utf-16-le")
    return value if len(units) <= 2 * MAX_TEXT else units[: 2 * MAX_TEXT].decode("utf-16-le", "ignore")
EMPTY_TAIL = '"/>'  # <c r="B5"/>: an empty cell keeps every row's cells in one fixed template
BULK_CHUNK = 4096  # rows rendered at a time: bounded memory for the column-wise lists
FONT = {"font_name": "Microsoft YaHei", "font_size": 10}


@dataclass(frozen=True)
class Col:
    header: str
    width: float
    # Any: a table's items are of one type per table (tasks, links, scores...), not one for all Cols
    get: Callable[[Any], object]  # the item's raw value (a code, a date, an ID tuple...)
    kind: str = "text"  # text | date | datetime | int | pct
    show: Callable[[Any], object] | None = None  # raw value -> what the cell shows (label, joined IDs)
    key: str = ""  # what the column holds (a spec field key, "health"...): how writers find it, never by position


class FastSheet(BulkRowsSheet):
    """A worksheet that also takes pre-rendered rows (see module doc); BulkRowsSheet writes them out."""

    def bulk(self, first_row: int, cols: list[Col], items: Iterable[Any], styles: Styles,
             first_col: int = 0) -> int:
        """Write one row per item from row `first_row` on; returns the number of rows written.

        A cell is `<c r="` + column letters + row number + a tail (style, type, value). The tail
        depends only on the column and the raw value, so it is rendered once per distinct value
        of a column (labels, dates, departments repeat thousands of times) and looked up after;
        columns that show values the same way share what was rendered (task IDs are on four sheets).
        Work goes column by column over chunks of rows, and each row is one call of a function made
        for the table's columns (`_row_maker`), so the per-cell steps are C-level rather than a Python
        loop body.
        """
        row_xml = _row_maker(tuple(xl_col_to_name(first_col + i) for i in range(len(cols))))
        plain = _plain_cell(styles)
        plan = [(c.get, styles.memo(c), self._renderer(c, styles), c.show) for c in cols]
        items = items if isinstance(items, list) else list(items)
        fields = list(dict.fromkeys(c.get.key for c in cols if type(c.get) is FieldValue))
        for start in range(0, len(items), BULK_CHUNK):
            chunk = items[start:start + BULK_CHUNK]
            rows = list(map(str, range(first_row + start + 1, first_row + start + len(chunk) + 1)))
            by_key = _field_values([item.values for item in chunk], fields) if fields else {}
            tails = [_tails(by_key[get.key] if type(get) is FieldValue else _values(get, chunk),
                            memo, render, self, plain, show) for get, memo, render, show in plan]
            self._bulk.update(zip(range(first_row + start, first_row + start + len(chunk)),
                                  starmap(row_xml, zip(rows, *tails, strict=True)), strict=True))
        if items:
            self.extend_dimensions(first_row, first_col)
            self.extend_dimensions(first_row + len(items) - 1, first_col + len(cols) - 1)
        return len(items)

    def _renderer(self, col: Col, styles: Styles) -> Callable[[object, dict | None], str]:
        """raw value -> cell tail (EMPTY_TAIL for an empty cell), remembered in `memo` (see _tails)."""
        show, number_xf = col.show, styles.xf_for_kind(col.kind)
        text_xf, quote_xf = styles.xf("text"), styles.xf("text_quote")
        date_xf, datetime_xf = styles.xf("date"), styles.xf("datetime")
        sst = self.shared_string_index()

        def text(value: str, xf: int) -> str:
            value = _clip(value)
            if value[0] in RISKY_FIRST:
                xf = quote_xf
            if value.startswith("<r>") and value.endswith("</r>"):
                # xlsxwriter copies such a shared string verbatim (its rich-text form): inline it, escaped
                return f'" s="{xf}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(value)}</t></is></c>'
            return f'" s="{xf}" t="s"><v>{sst(value)}</v></c>'

        def tail(value: object) -> str:
            kind = type(value)
            if value is None or value == "":
                return EMPTY_TAIL
            # type(value) is X, not isinstance: exact types first, the fast path (casts: mypy does not narrow on it)
            if kind is str:
                return text(cast(str, value), text_xf)
            if kind is dt.date:
                return f'" s="{date_xf}"><v>{_serial_day(cast(dt.date, value))}</v></c>'
            if kind is bool:
                return f'" t="b"><v>{int(cast(bool, value))}</v></c>'
            if isinstance(value, dt.datetime):
                local = value.astimezone().replace(tzinfo=None) if value.tzinfo else value
                serial = _serial_day(local) + (local.hour * 3600 + local.minute * 60 + local.second) / 86400
                return f'" s="{datetime_xf}"><v>{serial!r}</v></c>'
            if isinstance(value, dt.date):
                return f'" s="{date_xf}"><v>{_serial_day(value)}</v></c>'
            if isinstance(value, (int, float)):
                if not math.isfinite(value):
                    return EMPTY_TAIL
                if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                    value = int(value)  # 1.0 and 1 are one memo key: make them one cell too
                return f'" s="{number_xf}"><v>{value!r}</v></c>'
            return text(str(value), quote_xf)

        plain = col.show in (None, as_text) and col.kind == "text"  # strings shown as they are

        def render(value: object, memo: dict | None) -> str:
            if (plain and type(value) is str and value and value[0] not in RISKY_FIRST
                    and len(value) <= MAX_TEXT // 2 and not value.startswith("<r>")):  # no clipping needed
                out = f'" s="{text_xf}" t="s"><v>{sst(value)}</v></c>'  # the usual case, without the detours
            else:
                out = tail(show(value) if show is not None else value)
            if memo is not None:
                memo[value] = out
            return out

        return render

    def add_big_table(self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> None:
        """add_table without its cell-by-cell overlap check (1.2 M look-ups for the master WBS):
        the table is declared over its header and first row, then given its real extent."""
        code = self.add_table(first_row, first_col, min(last_row, first_row + 1), last_col, options)
        if code not in (0, None):
            raise RuntimeError(f"xlsxwriter refused a table (code {code})")
        self.stretch_last_table(first_row, first_col, last_row, last_col)


class Styles:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = dict(FONT, valign="top")
        self.formats = {
            "title": wb.add_format(dict(FONT, bold=True, font_size=16, font_color="#1F4E78")),
            "subtitle": wb.add_format(dict(FONT, font_color="#595959")),
            "block": wb.add_format(dict(FONT, bold=True, font_size=12, font_color="#1F4E78")),
            "header": wb.add_format(dict(FONT, bold=True, font_color="#FFFFFF", bg_color="#1F4E78",
                                         text_wrap=True, valign="vcenter", border=1, border_color="#BFBFBF")),
            "text": wb.add_format(base),
            "text_quote": wb.add_format(dict(base, quote_prefix=True)),
            "date": wb.add_format(dict(base, num_format="yyyy-mm-dd", align="left")),
            "datetime": wb.add_format(dict(base, num_format="yyyy-mm-dd hh:mm", align="left")),
            "int": wb.add_format(dict(base, num_format="0")),
            "pct": wb.add_format(dict(base, num_format='0"%"')),
            "week": wb.add_format(dict(FONT, bold=True, num_format="mm-dd", rotation=90, align="center",
                                       font_size=8, bg_color="#DDEBF7", border=1, border_color="#BFBFBF")),
            "kpi": wb.add_format(dict(FONT, bold=True, font_size=14, font_color="#1F4E78", align="left")),
            "kpi_pct": wb.add_format(dict(FONT, bold=True, font_size=14, font_color="#1F4E78", align="left",
                                          num_format='0.0"%"')),
            "label": wb.add_format(dict(FONT, font_color="#595959")),
            "today": wb.add_format({"left": 2, "left_color": "#C00000", "right": 2, "right_color": "#C00000"}),
        }
        for f in self.formats.values():  # registered up front: bulk rows use their indexes directly
            xf_index(f)
        self.wb = wb
        self._fills: dict[str, object] = {}
        self._memos: dict[tuple, dict] = {}

    def memo(self, col: Col) -> dict:
        """Cell tails by raw value, shared by the columns that render values alike (same show and kind)."""
        return self._memos.setdefault((col.show, col.kind), {None: EMPTY_TAIL, "": EMPTY_TAIL})

    def __getitem__(self, name: str):
        return self.formats[name]

    def xf(self, name: str) -> int:
        return xf_index(self.formats[name])

    def xf_for_kind(self, kind: str) -> int:
        return self.xf(kind if kind in ("int", "pct", "date", "datetime") else "int")

    def fill(self, colour: str):
        """A conditional-format fill, one per colour."""
        if colour not in self._fills:
            self._fills[colour] = self.wb.add_format({"bg_color": colour, "font_color": "#000000"})
        return self._fills[colour]


@lru_cache(maxsize=64)
def _row_maker(letters: tuple[str, ...]) -> Callable[..., str]:
    """(row number, each cell's tail) -> the row's <row> element, for cells in the columns `letters`.

    The function is an f-string compiled once for these columns, as dataclasses and namedtuple make
    their methods: str.format would parse its template again for every row (half the time of
    assembling a big table's rows). The source holds only fixed XML, the column letters (A-Z)
    and the parameter names: no value of a cell is ever part of it."""
    if not all(letter.isalpha() and letter.isascii() and letter.isupper() for letter in letters):
        raise ValueError(f"not column letters: {letters}")
    tails = [f"t{i}" for i in range(len(letters))]
    cells = "".join(f'<c r="{letter}{{r}}{{{tail}}}' for letter, tail in zip(letters, tails, strict=True))
    source = f"lambda {', '.join(['r', *tails])}: f'<row r=\"{{r}}\">{cells}</row>'"
    maker: Callable[..., str] = eval(source, {"__builtins__": {}})
    return maker


def _get(values: Any, key: str) -> object:  # a values mapping that is not a dict
    return values.get(key)


def _field_values(dicts: list[Any], keys: list[str]) -> dict[str, Sequence[object]]:
    """The FieldValue columns of a chunk, key -> each item's value. Where every item's values are a dict
    holding every key (as validation makes them), one C-level pass reads all the keys of each dict
    while it is in the cache, and the rows are turned into columns; else a pass per key with get."""
    is_dict = set(map(type, dicts)) <= {dict}  # exactly dicts (one C-level pass)
    if is_dict and len(keys) > 1:
        try:
            return dict(zip(keys, zip(*map(itemgetter(*keys), dicts), strict=True), strict=True))
        except KeyError:  # an item lacks a field: read each with get
            pass
    read = dict.get if is_dict else _get  # dict.get over C-level map where it can
    return {key: list(map(read, dicts, repeat(key))) for key in keys}


def _values(get: Callable[[Any], object], chunk: list) -> list:
    """A column's raw values for the items of a chunk; a Lookup's in two C-level passes."""
    if type(get) is not Lookup:
        return list(map(get, chunk))
    keys = list(map(get.key, chunk))
    if get.seen is not None:
        get.seen.update(keys)
    return list(map(get.table.get, keys))


def _plain_cell(styles: Styles) -> str:
    """The tail of a cell showing a plain string (one of _plain_strings), the string's shared-string
    index left to format in: how any column shows such a string (render's `text`)."""
    return f'" s="{styles.xf("text")}" t="s"><v>{{}}</v></c>'


def _plain_strings(values: list[str]) -> bool:
    """Strings (none empty) that a cell shows as they are: no formula start or rich-text form, no
    clipping (what render's fast path takes), checked in C-level passes over all of them."""
    starts = set(map(itemgetter(0), values))  # every formula start is one character
    return (starts.isdisjoint(RISKY_FIRST) and max(map(len, values)) <= MAX_TEXT // 2
            and ("<" not in starts or not any(map(methodcaller("startswith", "<r>"), values))))


def _tails(values: Sequence, memo: dict, render: Callable[[object, dict | None], str], sheet: BulkRowsSheet,
           plain: str | None = None, show: Callable[[Any], object] | None = None) -> list[str]:
    """One column of a chunk: each value's cell tail, from the memo where it was rendered before.

    Numbers are remembered too (1 and 1.0 make the same cell) except in a chunk that holds a
    boolean: True == 1 would find the number's cell, so such a chunk renders every cell.
    A value first met in this chunk is rendered once, where it first appears (so the shared
    strings keep their order); the table's count of string cells is what it was when every such
    cell was rendered (as it was written before: the golden files hold that count). When the
    column shows (`show`, None: as they are) each value first met as a plain string or as nothing,
    they are remembered at once (_remember_plain) rather than rendered one by one."""
    if bool in set(map(type, values)):  # (bool has no subclasses: isinstance(v, bool), in one C-level pass)
        return [render(v, None) for v in values]
    try:
        tails: list[str | None] = list(map(memo.get, values))
    except TypeError:  # an unhashable value (a list): render every cell, remember none
        return [render(v, None) for v in values]
    if None not in tails:
        return cast(list[str], tails)
    missing = list(compress(values, map(not_, tails)))  # (a tail is never empty)
    if {int, float} <= set(map(type, missing)):  # 1 and 1.0 are one key but may show apart ("1", "1.0")
        for i, tail in enumerate(tails):
            if tail is None:
                tails[i] = render(values[i], memo)
        return cast(list[str], tails)
    seen = Counter(missing)
    if plain is not None and _remember_plain(seen, memo, sheet, plain, show):
        return list(map(memo.__getitem__, values))
    for value, cells in seen.items():  # first sightings, in order
        if cells == 1:
            render(value, memo)
            continue
        before = sheet.string_cells()
        render(value, memo)
        if sheet.string_cells() != before:  # its other cells would have counted too
            sheet.count_string_cells(cells - 1)
    return list(map(memo.__getitem__, values))


def _remember_plain(seen: Counter, memo: dict, sheet: BulkRowsSheet, plain: str,
                    show: Callable[[Any], object] | None) -> bool:
    """Remember the cells of the values first met in a chunk (`seen`: value -> its cells) at once, when
    each shows as a plain string or as nothing (None, ""): the strings' indexes in one step, in the
    order and with the count of string cells that rendering them one by one gives. False, with
    nothing remembered, when any shows otherwise (a number, a date, a formula start...)."""
    firsts = list(seen)
    shown, types = firsts, set(map(type, firsts))
    if show is not None and not (show is as_text and types == {str}):  # (as_text shows a string as it is)
        shown = list(map(show, firsts))
        types = set(map(type, shown))
    if not types <= {str, NoneType}:
        return False
    strings = list(filter(None, shown))  # (only None and "" are left out: every other is a str)
    if strings and not _plain_strings(strings):
        return False
    indexes = sheet.shared_string_indexes(strings, sum(compress(seen.values(), shown)))
    memo.update(zip(compress(firsts, shown), map(plain.format, indexes), strict=True))
    memo.update(zip(compress(firsts, map(not_, shown)), repeat(EMPTY_TAIL)))
    return True


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(value: str) -> str:
    """Text for an XML element: escaped, control characters as Excel's _xHHHH_ escapes."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


class FieldValue:
    """The raw value of a spec field of a task or record: item.values.get(key). `bulk` reads
    such columns straight from the values dicts, without a call per cell."""

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, item: Any) -> object:  # Any: a row with `values` (a plan task)
        return item.values.get(self.key)


class Lookup:
    """A value kept by the item's key: table.get(key(item)), e.g. a task's baseline by its ID. `bulk` reads
    such columns in C-level passes (keys, then values), without a call per cell. `seen`, when given,
    collects every key looked up (the rows a sheet showed)."""

    __slots__ = ("table", "key", "seen")

    def __init__(self, table: Mapping[Any, object], key: Callable[[Any], Hashable], seen: set | None = None) -> None:
        self.table, self.key, self.seen = table, key, seen

    def __call__(self, item: Any) -> object:
        key = self.key(item)
        if self.seen is not None:
            self.seen.add(key)
        return self.table.get(key)


def as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) or None
    return value if isinstance(value, str) else str(value)


def as_number(value: object) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def as_date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
