"""One worksheet's XML -> cells: values, number formats, formulas and their cached values, in one pass.

Rows stop at a cap and after a run of empty rows; <dimension> and count attributes are never
trusted. Cell addresses and label comparison live here too: every reader of a sheet needs them.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..spec.limits import SERIAL_MAX
from .numfmt import from_serial, unescape

MAX_ROWS = 20_000  # rows with content read per sheet (the template's prepared empty rows do not count)
MAX_ROW_ELEMENTS = 100_000  # <row> elements looked at per sheet, empty ones included: the bound on styled empty rows
MAX_COLS = 100
EMPTY_ROW_STOP = 1_000  # consecutive empty rows that end a sheet
MAX_ROW_NUMBER = 1_048_576
WHOLE_PARSE_BYTES = 16 * 2**20  # sheet XML up to this size is parsed in one go
MAX_MERGES = 20_000
EXCEL_SERIAL_MAX = SERIAL_MAX
MEMO_CELLS = 10_000  # distinct value cells per sheet remembered (a 300-task plan has ~1,100): memory stays bounded

_MERGE_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
_REF_RE = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


@dataclass(slots=True)
class Cell:
    value: object  # str, int, float, bool, datetime; None only for formula cells without a cached value
    number_format: str = "General"
    formula: str | None = None  # "=..." when the cell holds a formula
    cached: bool = True  # False: a formula whose result was never saved
    error: bool = False  # an error value such as #REF! or #VALUE!


@dataclass
class Sheet:
    name: str
    state: str = "visible"
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)  # (row, col), 1-based; non-empty only
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (min_row, min_col, max_row, max_col)
    last_row: int = 0
    truncated: bool = False  # stopped at MAX_ROWS with data still coming

    def value(self, row: int, col: int) -> object:
        cell = self.cells.get((row, col))
        return None if cell is None else cell.value

    def row_cells(self, row: int, max_col: int = MAX_COLS) -> dict[int, Cell]:
        return {c: cell for c in range(1, max_col + 1) if (cell := self.cells.get((row, c))) is not None}


def label_key(text: object) -> str:
    """How a label is compared: full-width folded, case-folded, no spaces, no required marker, no colon."""
    if type(text) is str and len(text) <= _LABEL_CACHED:  # the same labels and cell texts, again and again
        return _label_key(text)
    return _fold_label(str(text))


def _fold_label(text: str) -> str:
    return _LABEL_NOISE.sub("", unicodedata.normalize("NFKC", text).casefold()).rstrip(":")


_LABEL_NOISE = re.compile(r"[\s*]+")
_LABEL_CACHED = 100  # characters: a label is short; longer text is folded each time, never kept
_label_key = functools.lru_cache(maxsize=4096)(_fold_label)


@functools.lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    m = _REF_RE.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _all(root, local: str):
    return (el for el in root.iter() if _local(el.tag) == local)


def _first(root, local: str):
    return next(_all(root, local), None)


def _text_of(el) -> str:
    """Text of a shared/inline string: plain <t> or rich-text runs; phonetic guides (<rPh>) left out."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return unescape("".join(parts))


@dataclass
class _Styles:
    formats: list[str]  # style index -> number format code
    dates: set[int]  # style indexes whose format is a date



def _read_sheet(sheet: Sheet, raw: bytes, strings: list[str], styles: _Styles, epoch: dt.datetime) -> None:
    """One pass over the sheet XML: values, number formats, formulas and their cached values. A cell of
    just a value (no formula) is read once per distinct type, style and text: the same Cell (or
    nothing) stands for every cell like it, as a plan repeats its statuses, owners and dates."""
    sheet.merged = _merges(raw)
    if raw.count(b"<c ") == raw.count(b'<c r="'):  # every cell says where it is: empty ones can go unseen
        raw = _EMPTY_CELL.sub(b"", raw)
    shared: dict[str, str] = {}
    plain: dict[tuple[str | None, str | None, str | None], Cell | None] = {}  # (t, s, text) -> its cell
    cells = sheet.cells
    row_no = last_data = rows_seen = data_rows = 0
    tags = _Tags("")
    for el, ns in _rows(raw):
        if tags.ns != ns:
            tags = _Tags(ns)
        c_tag, v_tag = tags.c, tags.v  # the tag names compared for every cell, as locals
        rows_seen += 1
        row_no = _row_number(el.get("r"), row_no)
        if rows_seen > MAX_ROW_ELEMENTS or row_no > MAX_ROW_NUMBER:
            sheet.truncated = True
            break
        if row_no - last_data > EMPTY_ROW_STOP:
            break
        if any(map(len, el)):  # a row with content (a styled empty cell has no children)
            data_rows += 1
            if data_rows > MAX_ROWS:
                sheet.truncated = True
                break
        col_no = 0
        for c in el:
            if c.tag != c_tag:
                continue
            ref = c.get("r")
            if not len(c):  # a styled empty cell has no children
                col_no = -1 if ref else col_no + 1  # -1: known only from its ref, which a later cell may need
                continue
            if ref:
                col_no = _COLUMNS.get(ref.rstrip(_DIGITS)) or _column(ref)  # the lookup inline: once per cell
            elif col_no < 0:  # follows a skipped empty cell: its column after all
                col_no = _column(_previous_ref(el, c)) + 1
            else:
                col_no += 1
            if col_no > MAX_COLS:
                continue
            if len(c) == 1 and (v := c[0]).tag == v_tag:  # the usual cell: a value, no formula
                key = (c.get("t"), c.get("s"), v.text)
                cell = plain.get(key, _UNSEEN)
                if cell is _UNSEEN:
                    t, style, text = key
                    cell = _value_cell("n" if t is None else t, text, style, None, None, strings, styles, epoch)
                    if len(plain) < MEMO_CELLS:
                        plain[key] = cell
            else:
                cell = _cell(c, tags, strings, styles, epoch, shared)
            if cell is not None:
                cells[(row_no, col_no)] = cell
                last_data = row_no
        el.clear()
    sheet.last_row = last_data


_UNSEEN = Cell(None)  # not a cell of any sheet: "not read yet" in _read_sheet's memo


def _row_number(r: str | None, previous: int) -> int:
    """A row's number as its r says ("12", or "12.0" from some writers), else the one after `previous`."""
    if not r:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        return int(float(r)) if r.replace(".", "", 1).isdigit() else previous + 1


# A styled empty cell (templates prepare hundreds of rows of them; a RACI matrix has a column per
# department): dropped from the bytes before parsing, ~half the parse time of such sheets.
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,5}")?/>')


def _rows(raw: bytes):
    """(row element, namespace prefix) in order. Small sheets are parsed whole (fast, all in C);
    large ones incrementally so memory stays bounded."""
    if len(raw) <= WHOLE_PARSE_BYTES:
        root = ET.fromstring(raw)
        prefix = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        yield from ((el, prefix) for el in root.iter(prefix + "row"))
        return
    ns: str | None = None
    for _event, el in ET.iterparse(io.BytesIO(raw), events=("end",)):
        if ns is None:
            ns = el.tag[: el.tag.index("}") + 1] if el.tag.startswith("{") else ""
        if el.tag == ns + "row":
            yield el, ns


class _Tags:
    """Qualified cell-level tag names of a sheet's namespace, built once per sheet rather than per cell."""

    __slots__ = ("ns", "c", "v", "f", "inline")

    def __init__(self, ns: str) -> None:
        self.ns, self.c, self.v, self.f, self.inline = ns, ns + "c", ns + "v", ns + "f", ns + "is"


def _previous_ref(row, cell) -> str:
    """The r of the cell element just before `cell` in its row (a cell without r follows it)."""
    previous = None
    for c in row:
        if c is cell:
            break
        previous = c
    return previous.get("r") or "" if previous is not None else ""


_COLUMNS: dict[str, int] = {}  # column letters -> number, filled by _column
_DIGITS = "0123456789"


def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    col = _COLUMNS.get(letters)
    if col is None:
        col = 0
        for ch in letters[:3]:
            col = col * 26 + (ord(ch.upper()) - 64)
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = col
    return col


def _cell(c, tags: _Tags, strings: list[str], styles: _Styles, epoch: dt.datetime,
          shared: dict[str, str]) -> Cell | None:
    kind = c.get("t", "n")
    v = f = inline = None
    for child in c:
        tag = child.tag
        if tag == tags.v:
            v = child.text
        elif tag == tags.f:
            f = child
        elif tag == tags.inline:
            inline = child
    formula = None
    if f is not None:
        text = f.text or ""
        si = f.get("si")
        if f.get("t") == "shared" and si is not None:
            text = shared.setdefault(si, text) if text else shared.get(si, "")
        formula = "=" + text
    return _value_cell(kind, v, c.get("s"), formula, inline, strings, styles, epoch)


def _value_cell(kind: str, v: str | None, style_attr: str | None, formula: str | None, inline,
                strings: list[str], styles: _Styles, epoch: dt.datetime) -> Cell | None:
    """The cell of type `kind` (its t), value text `v`, style `style_attr` (its s) and formula; None
    when it holds nothing."""
    value: object = None
    fmt = "General"
    if kind == "s":
        index = int(v) if v else -1
        value = strings[index] if 0 <= index < len(strings) else None
    elif kind == "inlineStr":
        value = _text_of(inline) if inline is not None else None
    elif not v:
        value = None
    elif kind in ("str", "e"):
        value = unescape(v)
    elif kind == "b":
        value = v.strip() in ("1", "true")
    elif kind == "d":
        value = dt.datetime.fromisoformat(v.strip().rstrip("Z"))
    else:
        try:
            number = float(v)
        except ValueError:  # a writer that left out t="str": keep the text
            return Cell(unescape(v), fmt, formula, True)
        value = int(number) if number.is_integer() and abs(number) < 2**53 else number
        style = int(style_attr or 0)
        fmt = styles.formats[style] if 0 <= style < len(styles.formats) else "General"
        if style in styles.dates and 1 <= number <= EXCEL_SERIAL_MAX:
            value = _date(number, epoch)
    if (value is None or value == "") and formula is None:
        return None
    return Cell(value if value != "" else None, fmt, formula, value is not None and value != "", kind == "e")


@functools.lru_cache(maxsize=4096)
def _date(serial: float, epoch: dt.datetime) -> dt.datetime:
    """A date cell's serial as a datetime, each serial once: a plan's thousands of dates are a few hundred days."""
    return from_serial(serial, epoch)


def _merges(raw: bytes) -> tuple[tuple[int, int, int, int], ...]:
    out = []
    first = raw.find(b"mergeCell")  # a plain search skips the cell data; the regex then starts near the merges
    if first < 0:
        return ()
    for m in _MERGE_RE.finditer(raw, max(first - 64, 0)):
        top, _, bottom = m.group(1).decode().partition(":")
        a, b = parse_ref(top), parse_ref(bottom or top)
        if a and b:
            out.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
        if len(out) >= MAX_MERGES:
            break
    return tuple(out)
