"""The only place that opens untrusted files: bytes → RawWorkbook (sheets of cells, stamps).

Order matters. The file is read into memory once (no handle is left open on a
shared folder), its magic bytes say what it is, and the zip directory is
checked against entry-count, size and ratio limits *before* any XML is parsed.

Parsing is our own small OOXML reader on the C ElementTree parser: every part
is refused if it carries a DOCTYPE (the only place entities can be declared),
so no entity is ever expanded and nothing is fetched. We measured openpyxl
read-only with defusedxml's pure-Python parser at ~0.6 s for a 2,000-task
workbook; this reader takes a fraction of that and gives, in the same pass,
what openpyxl's data_only mode drops: each formula's text and whether a cached
value exists. Rows stop at a cap and after a run of empty rows; <dimension>
and count attributes are never trusted. Every library exception becomes
UnreadableWorkbook(code) — validate turns it into one finding. openpyxl is
still used for its date/format helpers and by annotate.py, which loads
untrusted files with it: hence the defusedxml guard below.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import openpyxl.utils.datetime
from defusedxml import DefusedXmlException
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.escape import unescape

from ..errors import UnreadableWorkbook
from ..spec import layout
from ..spec.limits import SERIAL_MAX

# defusedxml is a hard dependency; openpyxl only uses it when it is importable and not switched off.
if not openpyxl.DEFUSEDXML:  # pragma: no cover - environment guard
    raise ImportError("openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML=False set?); refusing to read workbooks")

MAX_FILE_BYTES = 50 * 2**20
MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 2**20  # declared total of all entries
MAX_RATIO = 200  # declared uncompressed / compressed, for entries above RATIO_FLOOR
RATIO_FLOOR = 2**20
MAX_ROWS = 20_000  # rows read per sheet
MAX_COLS = 100
EMPTY_ROW_STOP = 1_000  # consecutive empty rows that end a sheet
MAX_SHEETS = 60
MAX_ROW_NUMBER = 1_048_576
WHOLE_PARSE_BYTES = 16 * 2**20  # sheet XML up to this size is parsed in one go
MAX_MERGES = 20_000
EXCEL_SERIAL_MAX = SERIAL_MAX

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BIFF_MAGIC = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # BIFF2-5 streams without OLE2
# Built-in number formats that are dates in Excel; 27-36 and 50-58 are the CJK locale dates that
# openpyxl does not know and returns as plain serial numbers.
DATE_FMT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
CJK_DATE_FMT_IDS = frozenset([*range(27, 37), *range(50, 59)])
SKIPPED_SHEETS = {layout.LISTS_SHEET, layout.FEEDBACK_SHEET}

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


@dataclass
class RawWorkbook:
    path: Path
    sha256: str
    sheets: list[Sheet]
    properties: dict[str, str]  # custom document properties, as strings
    names: dict[str, str]  # workbook-scoped defined names -> their formula text (constants unquoted)
    epoch_1904: bool = False
    macros: bool = False
    application: str = ""
    sheet_count: int = 0  # worksheets in the file, including skipped ones

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def stamp(self, prop: str, name: str | None = None) -> str | None:
        """A value xlflow stamped into the workbook: defined name first (survives every re-save), then property."""
        if name and self.names.get(name):
            return self.names[name]
        value = self.properties.get(prop)
        return value.strip() if isinstance(value, str) and value.strip() else None


def label_key(text: object) -> str:
    """How a label is compared: full-width folded, case-folded, no spaces, no required marker, no colon."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s*]+", "", folded).rstrip(":")


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


def sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


# -- the safety layer: what is this file, and is it safe to parse? ---------------------------------
def sniff(data: bytes, name: str) -> None:
    """Raise UnreadableWorkbook unless `data` looks like an OOXML zip; checks nothing inside it yet."""
    if not data:
        raise UnreadableWorkbook("empty-file", file=name)
    head = data[:8]
    if head == OLE2_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise UnreadableWorkbook("encrypted-workbook", file=name)
        raise UnreadableWorkbook("legacy-xls", file=name)
    if head.startswith(BIFF_MAGIC):
        raise UnreadableWorkbook("legacy-xls", file=name)
    if head[:4] in ZIP_MAGIC:
        return
    if _looks_like_text(data[:4096]):
        sample = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if sample.startswith((b"<?xml", b"<html", b"<!doctype", b"<table", b"mime-version")):
            raise UnreadableWorkbook("unsupported-format", file=name, kind="XML/HTML")
        raise UnreadableWorkbook("csv-file", file=name)
    raise UnreadableWorkbook("not-a-workbook", file=name)


def _looks_like_text(sample: bytes) -> bool:
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False


def check_package(zf: zipfile.ZipFile, name: str) -> bool:
    """Zip-level limits and the parts an xlsx must have; returns True when the package holds macros."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UnreadableWorkbook("too-large", file=name, detail=f"{len(infos)} zip entries")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnreadableWorkbook("encrypted-workbook", file=name)
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnreadableWorkbook("too-large", file=name,
                                     detail=f"{info.filename}: compression ratio {info.file_size // max(info.compress_size, 1)}:1")
    if total > MAX_UNCOMPRESSED:
        raise UnreadableWorkbook("too-large", file=name, detail=f"{total // 2**20} MB uncompressed")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise UnreadableWorkbook("unsupported-format", file=name, kind=".xlsb")
        if "mimetype" in names or "content.xml" in names:
            kind = "encrypted .ods" if "META-INF/manifest.xml" in names and b"encryption-data" in _safe_read(zf, "META-INF/manifest.xml") else ".ods"
            if kind.startswith("encrypted"):
                raise UnreadableWorkbook("encrypted-workbook", file=name)
            raise UnreadableWorkbook("unsupported-format", file=name, kind=kind)
        if any(n.startswith("Index/") or n.endswith(".iwa") for n in names):
            raise UnreadableWorkbook("unsupported-format", file=name, kind="Apple Numbers")
        raise UnreadableWorkbook("not-a-workbook", file=name)
    head = _safe_read(zf, "xl/workbook.xml", limit=4096)
    if b"purl.oclc.org/ooxml" in head:
        raise UnreadableWorkbook("unsupported-format", file=name, kind="Strict Open XML")
    return "xl/vbaProject.bin" in names or any(n.startswith("xl/macrosheets/") for n in names)


def _safe_read(zf: zipfile.ZipFile, member: str, limit: int | None = None) -> bytes:
    with zf.open(member) as fh:
        return fh.read(limit) if limit else fh.read()


# -- parsing -------------------------------------------------------------------------------------
def read_workbook(path: Path | str) -> RawWorkbook:
    """Read a submitted workbook; raises UnreadableWorkbook(code) for anything that is not a safe, readable xlsx."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableWorkbook("too-large", file=name, detail=f"{size // 2**20} MB")
        data = path.read_bytes()
    except UnreadableWorkbook:
        raise
    except OSError as exc:
        raise UnreadableWorkbook("cannot-open", file=name, detail=exc.strerror or type(exc).__name__) from None
    return read_bytes(data, path)


def read_properties(path: Path | str) -> dict[str, str]:
    """Only the custom document properties (the department stamp), read under the same limits as a
    whole workbook; {} for anything unreadable. The inbox names a file's archive copy by them
    before the file is validated."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return {}
        with zipfile.ZipFile(path) as zf:
            check_package(zf, path.name)
            return _custom_props(_Parts(zf, path.name))
    except Exception:  # noqa: BLE001 - untrusted input: no stamp is the answer, validation says the rest
        return {}


def read_bytes(data: bytes, path: Path) -> RawWorkbook:
    name = path.name
    sniff(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _parse(data, path)
    except UnreadableWorkbook:
        raise
    except DefusedXmlException:
        raise UnreadableWorkbook("unsafe-workbook", file=name) from None
    except zipfile.BadZipFile:
        raise UnreadableWorkbook("corrupt-workbook", file=name, detail="damaged or incomplete zip") from None
    except MemoryError:
        raise UnreadableWorkbook("too-large", file=name, detail="out of memory") from None
    except Exception as exc:  # noqa: BLE001 - any library failure on untrusted input is "corrupt"
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
        raise UnreadableWorkbook("corrupt-workbook", file=name, detail=detail) from None


def _parse(data: bytes, path: Path) -> RawWorkbook:
    name = path.name
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        macros = check_package(zf, name) or path.suffix.lower() in (".xlsm", ".xltm")
        parts = _Parts(zf, name)
        book = parts.xml("xl/workbook.xml")
        rels = parts.rels("xl/workbook.xml")
        pr = _first(book, "workbookPr")
        epoch_1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        epoch = openpyxl.utils.datetime.MAC_EPOCH if epoch_1904 else openpyxl.utils.datetime.WINDOWS_EPOCH
        names = {}
        for el in _all(book, "definedName"):
            if el.get("localSheetId") is None and el.get("name"):
                value = (el.text or "").strip()
                names[el.get("name")] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        strings = _shared_strings(parts, rels)
        styles = _styles(parts, rels)
        listed = [(el.get("name") or "", el.get("state") or "visible", el.get(_R_ID)) for el in _all(book, "sheet")]
        sheets = []
        for title, state, rid in listed:
            if title in SKIPPED_SHEETS or len(sheets) >= MAX_SHEETS:
                continue
            target = rels.get(rid or "")
            if target is None or not target[0].endswith("/worksheet"):
                continue  # chartsheets, dialog and macro sheets hold no form data
            sheet = Sheet(name=title, state=state)
            raw = parts.raw(target[1])
            if raw is not None:
                _read_sheet(sheet, raw, strings, styles, epoch)
            sheets.append(sheet)
        return RawWorkbook(path=path, sha256=sha256_of(data), sheets=sheets, properties=_custom_props(parts),
                           names=names, epoch_1904=epoch_1904, macros=macros,
                           application=_application(parts), sheet_count=len(listed))


_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class _Parts:
    """Zip parts as bytes or parsed XML; any DOCTYPE (the only place entities can be declared) is refused,
    so the fast C parser never sees an entity definition."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf, self.name = zf, name
        self.names = set(zf.namelist())

    def raw(self, part: str) -> bytes | None:
        if part not in self.names:
            return None
        data = self.zf.read(part)
        if any(marker in data for marker in _DOCTYPE_MARKERS):
            raise UnreadableWorkbook("unsafe-workbook", file=self.name)
        return data

    def xml(self, part: str):
        data = self.raw(part)
        if data is None:
            raise UnreadableWorkbook("corrupt-workbook", file=self.name, detail=f"{part} is missing")
        return ET.fromstring(data)

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part name) for `part`."""
        folder, _, base = part.rpartition("/")
        data = self.raw(f"{folder}/_rels/{base}.rels")
        out = {}
        if data is None:
            return out
        for el in ET.fromstring(data):
            target = (el.get("Target") or "").replace("\\", "/")
            if el.get("TargetMode") == "External" or not target:
                continue
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{folder}/{target}")
            out[el.get("Id") or ""] = (el.get("Type") or "", full)
        return out


_DOCTYPE_MARKERS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"), b"<!ENTITY")


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


def _shared_strings(parts: _Parts, rels: dict) -> list[str]:
    target = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
    raw = parts.raw(target)
    if raw is None:
        return []
    out = []
    if len(raw) <= WHOLE_PARSE_BYTES:  # parsed in one go, all in C; the <si> are the root's children
        items = iter(ET.fromstring(raw))
    else:
        items = (el for _event, el in ET.iterparse(io.BytesIO(raw), events=("end",)))
    for el in items:
        if _local(el.tag) == "si":
            if len(el) == 1 and el[0].tag == el.tag[:-2] + "t":  # the usual <si><t>text</t></si>
                text = el[0].text or ""
                out.append(unescape(text) if "_x" in text else text)
            else:
                out.append(_text_of(el))
            el.clear()
    return out


@dataclass
class _Styles:
    formats: list[str]  # style index -> number format code
    dates: set[int]  # style indexes whose format is a date


def _styles(parts: _Parts, rels: dict) -> _Styles:
    target = next((t for kind, t in rels.values() if kind.endswith("/styles")), "xl/styles.xml")
    raw = parts.raw(target)
    if raw is None:
        return _Styles([], set())
    root = ET.fromstring(raw)
    custom = {int(el.get("numFmtId", "-1")): el.get("formatCode") or "" for el in _all(root, "numFmt")}
    formats, dates = [], set()
    xfs = _first(root, "cellXfs")
    for index, xf in enumerate(xfs if xfs is not None else ()):
        try:
            fmt_id = int(xf.get("numFmtId", "0"))
        except ValueError:
            fmt_id = 0
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(fmt_id, "General")
        formats.append(code)
        if fmt_id in DATE_FMT_IDS or (fmt_id in custom and is_date_format(code)):
            dates.add(index)
    return _Styles(formats, dates)


def _custom_props(parts: _Parts) -> dict[str, str]:
    raw = parts.raw("docProps/custom.xml")
    if raw is None:
        return {}
    out = {}
    for prop in _all(ET.fromstring(raw), "property"):
        value = next(iter(prop), None)
        if prop.get("name") and value is not None:
            out[prop.get("name")] = (value.text or "").strip()
    return out


def _application(parts: _Parts) -> str:
    raw = parts.raw("docProps/app.xml")
    if raw is None:
        return ""
    el = _first(ET.fromstring(raw), "Application")
    return (el.text or "").strip() if el is not None else ""


def _read_sheet(sheet: Sheet, raw: bytes, strings: list[str], styles: _Styles, epoch: dt.datetime) -> None:
    """One pass over the sheet XML: values, number formats, formulas and their cached values."""
    sheet.merged = _merges(raw)
    if raw.count(b"<c ") == raw.count(b'<c r="'):  # every cell says where it is: empty ones can go unseen
        raw = _EMPTY_CELL.sub(b"", raw)
    shared: dict[str, str] = {}
    row_no = last_data = rows_seen = 0
    tags = None
    for el, ns in _rows(raw):
        if tags is None or tags.ns != ns:
            tags = _Tags(ns)
        rows_seen += 1
        r = el.get("r")
        try:
            row_no = int(r) if r else row_no + 1
        except ValueError:
            row_no = int(float(r)) if r.replace(".", "", 1).isdigit() else row_no + 1
        if rows_seen > MAX_ROWS or row_no > MAX_ROW_NUMBER:
            sheet.truncated = True
            break
        if row_no - last_data > EMPTY_ROW_STOP:
            break
        col_no = 0
        for c in el:
            if c.tag != tags.c:
                continue
            ref = c.get("r")
            if not len(c):  # a styled empty cell has no children
                col_no = -1 if ref else col_no + 1  # -1: known only from its ref, which a later cell may need
                continue
            if ref:
                col_no = _column(ref)
            elif col_no < 0:  # follows a skipped empty cell: its column after all
                col_no = _column(_previous_ref(el, c)) + 1
            else:
                col_no += 1
            if col_no > MAX_COLS:
                continue
            if len(c) == 1 and c.get("t") == "s" and c[0].tag == tags.v:  # the usual cell: a shared string
                index = int(c[0].text or -1)
                text = strings[index] if 0 <= index < len(strings) else None
                if text:
                    sheet.cells[(row_no, col_no)] = Cell(text, "General", None, True)
                    last_data = sheet.last_row = row_no
                continue
            cell = _cell(c, tags, strings, styles, epoch, shared)
            if cell is not None:
                sheet.cells[(row_no, col_no)] = cell
                last_data = sheet.last_row = row_no
        el.clear()


# A styled empty cell (templates prepare hundreds of rows of them; a RACI matrix has a column per
# department): dropped from the bytes before parsing, ~half the parse time of such sheets.
_EMPTY_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,5}")?/>')


def _rows(raw: bytes):
    """(row element, namespace prefix) in order. Small sheets are parsed whole (fast, all in C);
    large ones incrementally so memory stays bounded."""
    if len(raw) <= WHOLE_PARSE_BYTES:
        root = ET.fromstring(raw)
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        yield from ((el, ns) for el in root.iter(ns + "row"))
        return
    ns = None
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


_COLUMNS: dict[str, int] = {}


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
        style = int(c.get("s", "0") or 0)
        fmt = styles.formats[style] if 0 <= style < len(styles.formats) else "General"
        if style in styles.dates and 1 <= number <= EXCEL_SERIAL_MAX:
            value = from_excel(number, epoch)
    if (value is None or value == "") and formula is None:
        return None
    return Cell(value if value != "" else None, fmt, formula, value is not None and value != "", kind == "e")


def _merges(raw: bytes) -> tuple[tuple[int, int, int, int], ...]:
    out = []
    first = raw.find(b"mergeCell")  # a plain search skips the cell data; the regex then starts near the merges
    if first < 0:
        return ()
    for m in _MERGE_RE.finditer(raw, max(first - 64, 0)):
        first, _, last = m.group(1).decode().partition(":")
        a, b = parse_ref(first), parse_ref(last or first)
        if a and b:
            out.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
        if len(out) >= MAX_MERGES:
            break
    return tuple(out)
