"""A sheet's value digest (xlsx/digest.py) is the same whatever program saved the same values: a number
one bit apart (openpyxl writes a time back an ulp off what xlflow wrote; LibreOffice keeps 15 digits)
is the same value, so the read-back does not read a sheet nobody typed on (a time like 03:12:30 sat on
a rounding edge at 15 digits: the read-back of a saved master read its dashboard in full, now and then)."""
from __future__ import annotations

import zipfile

import xlsxwriter

from xlflow.xlsx.digest import value_digests


def _digest(path, *texts: str) -> str | None:
    """The digest of a sheet "S" whose column A holds these numbers, each written as exactly this text."""
    wb = xlsxwriter.Workbook(str(path))
    sheet = wb.add_worksheet("S")
    for row in range(len(texts)):
        sheet.write_number(row, 0, 1000 + row)  # a placeholder, replaced below by the text as given
    wb.close()
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"]
    for row, text in enumerate(texts):
        xml = xml.replace(b"<v>%d</v>" % (1000 + row), b"<v>%s</v>" % text.encode())
    parts["xl/worksheets/sheet1.xml"] = xml
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return value_digests(path)["S"]


def test_a_time_written_back_an_ulp_off_has_the_same_digest(tmp_path):
    written, resaved = "46364.133680555555", "46364.13368055555"  # 03:12:30: xlflow's repr, openpyxl's after a save
    assert float(written) != float(resaved)
    assert _digest(tmp_path / "a.xlsx", written, "0.5") == _digest(tmp_path / "b.xlsx", resaved, "0.5")


def test_every_second_of_a_day_keeps_its_digest_through_fifteen_digits(tmp_path):
    """What LibreOffice keeps of a time (15 significant digits) digests as the time xlflow wrote."""
    times = [46364 + s / 86400 for s in range(0, 86400, 37)]
    assert (_digest(tmp_path / "a.xlsx", *map(repr, times))
            == _digest(tmp_path / "b.xlsx", *(f"{t:.15g}" for t in times)))


def test_a_number_typed_differently_changes_the_digest(tmp_path):
    assert _digest(tmp_path / "a.xlsx", "46364.5") != _digest(tmp_path / "b.xlsx", "46364.5001")
    assert _digest(tmp_path / "c.xlsx", "0.1") != _digest(tmp_path / "d.xlsx", "0.10000001")
    assert _digest(tmp_path / "e.xlsx", "10000000000000") != _digest(tmp_path / "f.xlsx", "10000000000001")
