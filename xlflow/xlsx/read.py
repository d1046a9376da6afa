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
UnreadableWorkbook(code) — validate turns it into one finding. Reading imports no
spreadsheet library (Excel's date and number-format rules are in numfmt.py); openpyxl loads
untrusted files only in the feedback copy (feedback.py, behind its defusedxml guard). The safety
checks are in package.py, the sheet parser in sheet.py.
"""
from __future__ import annotations

import io
import posixpath
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException

from ..errors import UnreadableWorkbook
from ..spec import layout
from .numfmt import BUILTIN_FORMATS, EPOCH_1900, EPOCH_1904, is_date_format, unescape
from .package import MAX_FILE_BYTES, check_package, sniff
from .sheet import (  # the reader's public face (`X as X`: re-exported): callers take cells and addresses here
    MAX_COLS as MAX_COLS,
    MAX_ROWS as MAX_ROWS,
    WHOLE_PARSE_BYTES as WHOLE_PARSE_BYTES,
    Cell as Cell,
    Sheet as Sheet,
    _all,
    _first,
    _local,
    _read_sheet,
    _Styles,
    _text_of,
    cell_ref as cell_ref,
    col_letter as col_letter,
    label_key as label_key,
    parse_ref as parse_ref,
)

MAX_SHEETS = 60
# Built-in number formats that are dates in Excel; 27-36 and 50-58 are the CJK locale dates, which
# BUILTIN_FORMATS does not list (their codes depend on the locale).
DATE_FMT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
CJK_DATE_FMT_IDS = frozenset([*range(27, 37), *range(50, 59)])
SKIPPED_SHEETS = {layout.LISTS_SHEET, layout.FEEDBACK_SHEET}


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


def sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()



# -- parsing -------------------------------------------------------------------------------------
def read_workbook(path: Path | str, only: Collection[str] | None = None) -> RawWorkbook:
    """Read a submitted workbook; raises UnreadableWorkbook(code) for anything that is not a safe, readable xlsx.
    With `only`, just the worksheets of those titles are parsed (the master read back: 3 of its 10)."""
    path = Path(path)
    return read_bytes(file_bytes(path), path, only)


def file_bytes(path: Path) -> bytes:
    """The file read into memory once (no handle left open on a shared folder), under the size limit:
    UnreadableWorkbook when it is too large or cannot be opened."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableWorkbook("too-large", file=path.name, detail=f"{size // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableWorkbook("cannot-open", file=path.name, detail=exc.strerror or type(exc).__name__) from None


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


def read_bytes(data: bytes, path: Path, only: Collection[str] | None = None) -> RawWorkbook:
    name = path.name
    sniff(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _parse(data, path, only)
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


def _parse(data: bytes, path: Path, only: Collection[str] | None = None) -> RawWorkbook:
    name = path.name
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        macros = check_package(zf, name) or path.suffix.lower() in (".xlsm", ".xltm")
        parts = _Parts(zf, name)
        book = parts.xml("xl/workbook.xml")
        rels = parts.rels("xl/workbook.xml")
        pr = _first(book, "workbookPr")
        epoch_1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
        epoch = EPOCH_1904 if epoch_1904 else EPOCH_1900
        names = {}
        for el in _all(book, "definedName"):
            if el.get("localSheetId") is None and el.get("name"):
                value = (el.text or "").strip()
                names[el.get("name")] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
        strings = _shared_strings(parts, rels)
        styles = _styles(parts, rels)
        listed = [(el.get("name") or "", el.get("state") or "visible", el.get(_R_ID)) for el in _all(book, "sheet")]
        sheets: list[Sheet] = []
        for title, state, rid in listed:
            if title in SKIPPED_SHEETS or len(sheets) >= MAX_SHEETS or (only is not None and title not in only):
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
        out: dict[str, tuple[str, str]] = {}
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
    text_tags: dict[str, str] = {}  # the tag of an <si> (in whatever namespace) -> the tag of its <t>
    for el in items:
        text_tag = text_tags.get(el.tag)
        if text_tag is None and _local(el.tag) == "si":
            text_tag = text_tags[el.tag] = el.tag[:-2] + "t"
        if text_tag is not None:
            if len(el) == 1 and el[0].tag == text_tag:  # the usual <si><t>text</t></si>
                text = el[0].text or ""
                out.append(unescape(text) if "_x" in text else text)
            else:
                out.append(_text_of(el))
            el.clear()
    return out



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
