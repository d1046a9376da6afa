"""Workbooks that are small on disk and huge for openpyxl: a department's own workbook
whose hidden `_lists` sheet (which the reader skips) is replaced by a sheet of styled empty cells,
compressed just under the reader's ratio limit; or a sheet with one merged range over millions
of cells."""
from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from xlflow.spec import layout

ROW_CELLS = 100  # cells per row: deflate compresses the sheet ~170:1, under the reader's limit of 200:1


def _lists_part(zf: zipfile.ZipFile) -> str:
    book = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = re.search(rf'<sheet [^>]*name="{re.escape(layout.LISTS_SHEET)}"[^>]*r:id="([^"]+)"', book)[1]
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    path = target[1]
    return path.lstrip("/") if path.startswith("/") else posixpath.normpath(f"xl/{path}")


def with_sheet(src: Path, dst: Path, chunks, part: str | None = None) -> Path:
    """`src` with one sheet part (default: the hidden lists sheet) replaced by the bytes `chunks` yields."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout:
        part = part or _lists_part(zin)
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(part, "w", force_zip64=True) as fh:
            for chunk in chunks:
                fh.write(chunk)
    return dst


def expanding_lists(src: Path, dst: Path, xml_mb: int = 185) -> Path:
    """The issue's file: the lists sheet expands to `xml_mb` MB of XML of styled empty cells."""
    def chunks():
        yield b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        row, size = 1, 0
        template = '<row r="{0}">' + '<c s="1"/>' * ROW_CELLS + "</row>"
        while size < xml_mb * 2**20:
            block = "".join(template.format(r) for r in range(row, row + 5000)).encode()
            row, size = row + 5000, size + len(block)
            yield block
        yield b"</sheetData></worksheet>"
    return with_sheet(src, dst, chunks())


def merged_everything(src: Path, dst: Path) -> Path:
    """A lists sheet of a few bytes with one merged range over a whole sheet (openpyxl makes an object per cell)."""
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/>'
           b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>')
    return with_sheet(src, dst, [xml])
