"""The parallel level-1 zip that packs the master: a valid archive that zip readers and openpyxl open."""
from __future__ import annotations

import zipfile

import openpyxl
import pytest
import xlsxwriter
import xlsxwriter.workbook

from xlflow.errors import XlflowError
from xlflow.xlsx import private
from xlflow.xlsx.pack import FastWorkbook, ParallelZip


def test_parts_round_trip_with_crc_checked(tmp_path):
    parts = {"a.xml": b"<a/>" * 100_000, "empty.txt": b"", "docs/\u4e2d\u6587.xml": "\u603b\u89c8".encode() * 999}
    archive = tmp_path / "out.zip"
    zf = ParallelZip(archive)
    for name, data in parts.items():
        source = tmp_path / "part"
        source.write_bytes(data)
        zf.write(str(source), name)
    zf.close()
    with zipfile.ZipFile(archive) as read:
        assert read.testzip() is None  # every CRC matches
        assert {i.filename: read.read(i) for i in read.infolist()} == parts
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in read.infolist())
    assert archive.stat().st_size < 20_000  # compressed, not stored


def test_fast_workbook_zips_with_parallel_zip_without_patching_xlsxwriter(tmp_path, monkeypatch):
    seen = []
    real_close = ParallelZip.close

    def close(self):
        seen.append(xlsxwriter.workbook.ZipFile)  # what every other workbook would get meanwhile
        real_close(self)

    monkeypatch.setattr(ParallelZip, "close", close)
    path = tmp_path / "book.xlsx"
    wb = FastWorkbook(str(path))
    sheet = wb.add_worksheet("总览")
    for row in range(2000):
        sheet.write_row(row, 0, [f"任务 {row}", row, row * 1.5])
    wb.close()
    assert seen == [zipfile.ZipFile]  # packed by ParallelZip, xlsxwriter's module left alone
    plain = tmp_path / "plain.xlsx"
    other = xlsxwriter.Workbook(str(plain))
    other.add_worksheet("s").write_string(0, 0, "x")
    other.close()
    assert len(seen) == 1  # a plain workbook still uses zipfile
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["总览"].iter_rows(values_only=True))
    assert rows[0] == ("任务 0", 0, 0) and rows[-1] == ("任务 1999", 1999, 2998.5)


def test_the_internals_used_are_all_there():
    assert private.problems() == []


def test_a_missing_internal_is_named_in_a_clear_error(tmp_path, monkeypatch):
    from xlsxwriter.format import Format

    monkeypatch.delattr(Format, "_get_xf_index")
    private.require.cache_clear()
    try:
        with pytest.raises(XlflowError) as caught:
            FastWorkbook(str(tmp_path / "never.xlsx"))
    finally:
        private.require.cache_clear()
    assert caught.value.key == "xlsx-private-changed"
    assert "Format._get_xf_index" in str(caught.value) and private.TESTED in str(caught.value)


TRICKY = ["a & b < c > d", "  leading and trailing  ", "tab\there", "line\nbreak", "bell\x07", "_x0041_ literal",
          "\ufffe", "plain", "中文 & 符号", ""]


def _read_back(path):
    book = openpyxl.load_workbook(path)
    return [c.value for c in book.active["A"]]


def _write(cls, path, strings):
    wb = cls(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = wb.add_worksheet("s")
    for row, text in enumerate(strings):
        sheet.write_string(row, 0, text)
    wb.close()


@pytest.mark.parametrize("extra", [[], ["holds the separator \ufdd0 char"], ["<r>rich-looking</r>"]],
                         ids=["one-pass", "separator-fallback", "rich-fallback"])
def test_shared_strings_read_back_as_xlsxwriter_writes_them(tmp_path, extra):
    strings = TRICKY + extra
    _write(FastWorkbook, tmp_path / "fast.xlsx", strings)
    _write(xlsxwriter.Workbook, tmp_path / "plain.xlsx", strings)
    assert _read_back(tmp_path / "fast.xlsx") == _read_back(tmp_path / "plain.xlsx")
    assert "_x0041_ literal" in _read_back(tmp_path / "fast.xlsx")  # the escape was escaped


def test_a_part_compressed_in_blocks_is_one_valid_stream(tmp_path, monkeypatch):
    import random

    from xlflow.xlsx import pack as xlsxpack

    monkeypatch.setattr(xlsxpack, "_BLOCK", 50_000)  # a dozen blocks, each primed with the one before
    rng = random.Random(7)
    data = "".join(f'<c r="A{i}"><v>{rng.randint(0, 10**6)}</v></c>' for i in range(20_000)).encode()
    source = tmp_path / "sheet.xml"
    source.write_bytes(data)
    archive = tmp_path / "blocks.zip"
    zf = ParallelZip(archive)
    zf.write(str(source), "xl/worksheets/sheet1.xml")
    zf.close()
    with zipfile.ZipFile(archive) as read:
        assert read.testzip() is None and read.read("xl/worksheets/sheet1.xml") == data
    assert archive.stat().st_size < len(data) / 2


def _book(path, options):
    wb = FastWorkbook(str(path), options)
    sheet = wb.add_worksheet("总览")
    for row in range(20_000):  # the shared strings over ParallelZip's 4 MiB block: several blocks
        sheet.write_row(row, 0, [f"任务 {row} " + "x" * 220, row])
    sheet.write_formula(0, 3, "=SUM(B1:B9)")
    sheet.write_comment(2, 0, "注释")
    wb.add_chart({"type": "line"}).add_series({"values": ["总览", 0, 1, 99, 1]})
    wb.close()
    with zipfile.ZipFile(path) as read:
        assert read.testzip() is None
        return {n: read.read(n) for n in read.namelist() if not n.startswith("docProps/core")}


def test_in_memory_parts_are_the_parts_a_temporary_file_holds(tmp_path):
    """In memory (what the master uses), every part is what the temporary files gave, byte for byte,
    and no temporary file is made."""
    temp = tmp_path / "temp"
    temp.mkdir()
    on_disk = _book(tmp_path / "disk.xlsx", {"tmpdir": str(temp)})
    in_memory = _book(tmp_path / "memory.xlsx", {"tmpdir": str(temp), "in_memory": True})
    assert list(in_memory) == list(on_disk)
    assert all(in_memory[n] == on_disk[n] for n in on_disk)
    assert len(on_disk["xl/sharedStrings.xml"]) > 4 << 20
    assert list(temp.iterdir()) == []
