"""A digest of each worksheet's values, made without building its cells: the master read back
compares its other sheets with what xlflow wrote there by these digests first, and reads in full
only the sheets whose digest differs (features/coordinator/strays.py).

The digest covers every cell that has a value and no formula, as its address, its kind and its raw
value (a shared string resolved to its text, a whole number as written, any other number to 12
significant digits: LibreOffice keeps 15, writing 46183.0833333333 where xlflow wrote
46183.083333333336, and openpyxl writes a time back an ulp off, 46364.13368055555 for
46364.133680555555, which at 15 digits falls on either side of a rounding edge), so two sheets with
the same digest hold the same values whatever program saved them. It is finer than what
the full reader compares (number formats, stripped spaces): a differing digest only means "read it
in full". A sheet this scan cannot be sure of (namespace prefixes, cells without an
address) gets no digest (None) and is read in full too. The file goes through the same safety
checks as the full reader (read.py)."""
from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from collections.abc import Collection
from pathlib import Path

from ..errors import UnreadableWorkbook
from .numfmt import unescape
from .package import check_package, sniff
from .read import _R_ID, SKIPPED_SHEETS, _all, _Parts, _shared_strings, file_bytes

KIND = "v2:"  # in front of every digest: a digest made another way is never compared with it (v1: 15 digits)
NO_VALUES = "-"  # the digest of a sheet without a value (an empty sheet added by hand says nothing)
_CELL = re.compile(rb"<c(\s[^>]*[^/>]|)>(.*?)</c>", re.S)  # cells with content only (not <c r="A1" s="3"/>)
_PLAIN = re.compile(rb' r="([A-Z]{1,3}[0-9]{1,7})"(?: s="[0-9]+")?(?: t="([a-zA-Z]+)")?(?: s="[0-9]+")?')
_ATTR = re.compile(rb'\b(r|t)="([^"]*)"')
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_INLINE_T = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_UNSURE = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row|sheetData)\b")


def value_digests(path: Path | str, skip: Collection[str] = (), data: bytes | None = None) -> dict[str, str | None]:
    """Worksheet title -> the digest of its values (NO_VALUES: none; None: read it in full), for
    every worksheet but those titled in `skip`. Raises UnreadableWorkbook like read_workbook.
    `data`: the file's bytes, when the caller read them already (read.file_bytes)."""
    path = Path(path)
    data = file_bytes(path) if data is None else data
    sniff(data, path.name)
    try:
        return _digests(data, path.name, set(skip))
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # noqa: BLE001 - untrusted input: any failure is "corrupt", as in read.py
        raise UnreadableWorkbook("corrupt-workbook", file=path.name, detail=type(exc).__name__) from None


def _digests(data: bytes, name: str, skip: set[str]) -> dict[str, str | None]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        check_package(zf, name)
        parts = _Parts(zf, name)
        rels = parts.rels("xl/workbook.xml")
        strings: list[str] | None = None
        out: dict[str, str | None] = {}
        for el in _all(parts.xml("xl/workbook.xml"), "sheet"):
            title, target = el.get("name") or "", rels.get(el.get(_R_ID) or "")
            if title in skip or title in SKIPPED_SHEETS or target is None or not target[0].endswith("/worksheet"):
                continue
            raw = parts.raw(target[1])
            if strings is None and raw is not None and b't="s"' in raw:
                strings = _shared_strings(parts, rels)
            out[title] = _digest(raw, strings or []) if raw is not None else NO_VALUES
        return out


def _digest(raw: bytes, strings: list[str]) -> str | None:
    if _UNSURE.search(raw):
        return None
    lines: list[bytes] = []
    for attrs, body in _CELL.findall(raw):
        if b"<f" in body:
            continue  # a formula: a recalculation is not typing
        plain = _PLAIN.fullmatch(attrs)
        if plain is not None and body[:3] == b"<v>" and body[-4:] == b"</v>" and b"<" not in body[3:-4]:
            ref, kind, value = plain.group(1), plain.group(2) or b"n", body[3:-4]  # <c r= s= t=><v>…</v></c>
            if kind == b"n" and value.isdigit() and len(value) < 16 and (value[:1] != b"0" or value == b"0"):
                text: str | None = "n" + value.decode("ascii")  # a whole number, as _number gives it
            elif kind == b"s" and value.isdigit() and int(value) < len(strings):
                text = "s" + strings[int(value)] if strings[int(value)] else ""
            else:
                text = _text(kind, body, strings)
        else:
            found = dict(_ATTR.findall(attrs))
            ref, text = found.get(b"r", b""), _text(found.get(b"t", b"n"), body, strings)
            if not ref:
                return None
        if text is None:
            return None
        if text:
            lines.append(b"%s\t%d\t%s\n" % (ref, len(text), text.encode("utf-8")))
    return KIND + hashlib.sha256(b"".join(lines)).hexdigest() if lines else NO_VALUES


def _text(kind: bytes, body: bytes, strings: list[str]) -> str | None:
    """The cell's raw value as text, its kind in front ('' for none); None when it cannot be told."""
    if kind == b"inlineStr":
        text = unescape(html.unescape(b"".join(_INLINE_T.findall(_PHONETIC.sub(b"", body))).decode("utf-8")))
        return "s" + text if text else ""
    value = _VALUE.search(body)
    if value is None:
        return ""
    text = html.unescape(value.group(1).decode("utf-8"))
    if kind == b"s":
        try:
            return "s" + strings[int(text)] if strings[int(text)] else ""
        except (ValueError, IndexError):
            return None
    if kind in (b"n", b""):
        try:
            return "n" + _number(float(text)) if text else ""
        except ValueError:
            return None
    return kind.decode("ascii", "replace") + text if text else ""


def _number(value: float) -> str:
    """A number as the digest keeps it: a whole one below 10^15 exactly, any other to 12 significant
    digits (what two programs writing one value disagree on is far below that; what a person types is not)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".12g")
