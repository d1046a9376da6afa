"""The only place that opens untrusted files: bytes → RawWorkbook (sheets of cells, stamps).

Order matters. The file is read into memory once (no handle left open on a
shared folder), its magic bytes say what it is, the zip directory is checked
against entry-count, size and ratio limits *before* any XML is parsed, and
openpyxl parses with defusedxml (no entities, no URLs). Rows are read in
read-only mode with a row cap and a stop after a run of empty rows. Formula
cells are read by their cached value; a light second pass over the raw sheet
XML, only when the sheet has formulas at all, records each formula's text
and whether a cached value exists. Every library exception becomes
UnreadableWorkbook(code) — validate turns it into one finding.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils.datetime import from_excel

from . import layout
from .errors import UnreadableWorkbook

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
MAX_MERGES = 20_000
EXCEL_SERIAL_MAX = 2958465  # 9999-12-31

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BIFF_MAGIC = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # BIFF2-5 streams without OLE2
# Built-in number formats that are dates in Excel; 27-36 and 50-58 are the CJK locale dates that
# openpyxl does not know and returns as plain serial numbers.
DATE_FMT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
CJK_DATE_FMT_IDS = frozenset([*range(27, 37), *range(50, 59)])
SKIPPED_SHEETS = {layout.LISTS_SHEET, layout.FEEDBACK_SHEET}

_FORMULA_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE_RE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s+ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
_REF_RE = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


@dataclass(slots=True)
class Cell:
    value: object  # str, int, float, bool, datetime; None only for formula cells without a cached value
    number_format: str = "General"
    formula: str | None = None  # "=..." when the cell holds a formula
    cached: bool = True  # False: a formula whose result was never saved


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
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheets = []
            worksheets = [s for s in wb.worksheets if s.title not in SKIPPED_SHEETS]
            for ws in worksheets[:MAX_SHEETS]:
                sheets.append(_read_sheet(ws, zf, wb.epoch))
            props = {}
            for prop in getattr(wb, "custom_doc_props", None) or ():
                props[prop.name] = prop.value if isinstance(prop.value, str) else str(prop.value)
            names = {}
            for key, defined in wb.defined_names.items():
                value = (defined.value or "").strip()
                names[key] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
            app = ""
            try:
                app = zf.read("docProps/app.xml")[:2000].decode("utf-8", "replace")
                m = re.search(r"<(?:\w+:)?Application>([^<]*)<", app)
                app = m.group(1) if m else ""
            except KeyError:
                pass
            return RawWorkbook(path=path, sha256=sha256_of(data), sheets=sheets, properties=props, names=names,
                               epoch_1904=wb.epoch != openpyxl.utils.datetime.WINDOWS_EPOCH, macros=macros,
                               application=app, sheet_count=len(wb.worksheets))
        finally:
            wb.close()


def _read_sheet(ws, zf: zipfile.ZipFile, epoch: dt.datetime) -> Sheet:
    sheet = Sheet(name=ws.title, state=getattr(ws, "sheet_state", "visible"))
    raw = _sheet_xml(ws, zf)
    formulas = _formulas(raw) if raw and _FORMULA_RE.search(raw) else {}
    sheet.merged = _merges(raw) if raw else ()
    ws.reset_dimensions()  # never trust <dimension>: WPS writes A1:A1, others A1:XFD1048576
    empty_run = 0
    rows_seen = 0
    for row in ws.iter_rows(min_row=1, max_col=MAX_COLS):
        rows_seen += 1
        if rows_seen > MAX_ROWS:
            sheet.truncated = True
            break
        found = False
        for cell in row:
            value = cell.value
            if value is None or value == "":
                if not formulas or cell is EMPTY_CELL or (cell.row, cell.column) not in formulas:
                    continue
            ref_row, ref_col = cell.row, cell.column
            f = formulas.get((ref_row, ref_col)) if formulas else None
            found = True
            number_format = "General"
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                fmt_id = cell.style_array.numFmtId
                number_format = cell.number_format
                if fmt_id in CJK_DATE_FMT_IDS and 1 <= value <= EXCEL_SERIAL_MAX:
                    value = from_excel(value, epoch)
            sheet.cells[(ref_row, ref_col)] = Cell(
                value if value != "" else None, number_format,
                f[0] if f else None, f[1] if f else True)
            sheet.last_row = ref_row
        if found:
            empty_run = 0
        else:
            empty_run += 1
            if empty_run >= EMPTY_ROW_STOP:
                break
    return sheet


def _sheet_xml(ws, zf: zipfile.ZipFile) -> bytes:
    part = getattr(ws, "_worksheet_path", None)  # openpyxl 3.1 read-only worksheets keep their part name
    if not part:
        return b""
    try:
        return zf.read(part)
    except KeyError:
        return b""


def _merges(raw: bytes) -> tuple[tuple[int, int, int, int], ...]:
    out = []
    for m in _MERGE_RE.finditer(raw):
        first, _, last = m.group(1).decode().partition(":")
        a, b = parse_ref(first), parse_ref(last or first)
        if a and b:
            out.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
        if len(out) >= MAX_MERGES:
            break
    return tuple(out)


def _formulas(raw: bytes) -> dict[tuple[int, int], tuple[str, bool]]:
    """(row, col) -> (formula text, has cached value), for cells holding a formula. Shared formulas
    carry their text only on the first cell; the others get the master's text (enough to judge reach)."""
    out: dict[tuple[int, int], tuple[str, bool]] = {}
    shared: dict[str, str] = {}
    rows = 0
    for _event, el in iterparse(io.BytesIO(raw), events=("end",), forbid_dtd=True):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "row":
            rows += 1
            el.clear()
            if rows > MAX_ROWS:
                break
            continue
        if tag != "c":
            continue
        f = v = None
        for child in el:
            ctag = child.tag.rsplit("}", 1)[-1]
            if ctag == "f":
                f = child
            elif ctag in ("v", "is"):
                v = child
        ref = parse_ref(el.get("r") or "")
        if f is not None and ref:
            text = f.text or ""
            si = f.get("si")
            if f.get("t") == "shared" and si is not None:
                text = shared.setdefault(si, text) if text else shared.get(si, "")
            cached = v is not None and (v.tag.endswith("is") or bool((v.text or "").strip()))
            out[ref] = ("=" + text, cached)
    return out
