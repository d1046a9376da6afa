"""The safety layer: what is this file, and is it safe to parse? Nothing here parses XML.

The magic bytes say what a file is (legacy .xls, an encrypted package, CSV or HTML renamed
.xlsx, .ods, .xlsb, Numbers), and the zip directory is checked against entry-count, size and
ratio limits before any part is read.
"""
from __future__ import annotations

import zipfile

from ..errors import UnreadableWorkbook

MAX_FILE_BYTES = 50 * 2**20
MAX_ZIP_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * 2**20  # declared total of all entries
MAX_RATIO = 200  # declared uncompressed / compressed, for entries above RATIO_FLOOR
RATIO_FLOOR = 2**20

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BIFF_MAGIC = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # BIFF2-5 streams without OLE2


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
