"""Hostile and broken files, made by the tests: each gets exactly one clear finding, exit 1,
no traceback, no hang. The reader refuses them before parsing anything it cannot bound."""
from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from validate_helpers import filled_workbook, patch_parts, task
from xlflow.check.validate import check_file
from xlflow.cli import main
from xlflow.errors import UnreadableWorkbook
from xlflow.xlsx.read import MAX_ROWS, read_workbook

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
          + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
          b"<si><t>&lol9;</t></si></sst>")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    ws, blank, filled = filled_workbook(root, [task(1), task(2)])
    return ws, blank, filled, root


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def make_hostile(kind: str, env) -> Path:
    ws, blank, filled, root = env
    path = root / f"{kind}.xlsx"
    if kind == "empty-file":
        path.write_bytes(b"")
    elif kind == "not-a-zip":
        path.write_bytes(bytes(range(256)) * 40)
    elif kind == "truncated":
        data = filled.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "password":
        path.write_bytes(OLE2 + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 2048)
    elif kind == "legacy-xls":
        path = root / "legacy.xls"
        path.write_bytes(OLE2 + b"\0" * 504 + "Workbook".encode("utf-16-le") + b"\0" * 2048)
    elif kind == "csv-renamed":
        path.write_text("任务编号,任务名称,状态\nRD-001,设计评审,进行中\n", "utf-8")
    elif kind == "zip-bomb":
        _zip(path, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                    "xl/worksheets/sheet1.xml": b"\0" * 30_000_000})
    elif kind == "entity-attack":
        with zipfile.ZipFile(blank) as zin:  # xlsxwriter writes a shared-strings part; openpyxl does not
            items = [(i.filename, zin.read(i)) for i in zin.infolist()]
        _zip(path, {n: (LAUGHS if n == "xl/sharedStrings.xml" else d) for n, d in items})
    elif kind == "empty-workbook":
        openpyxl.Workbook().save(path)
    elif kind == "form-sheets-missing":
        wb = openpyxl.load_workbook(blank)
        for name in wb.sheetnames:
            if name not in ("填写说明", "_lists"):
                del wb[name]
        wb.save(path)
    elif kind == "not-ooxml-zip":
        _zip(path, {"test.txt": b"hello"})
    return path


HOSTILE = {
    "empty-file": "empty-file", "not-a-zip": "not-a-workbook", "truncated": "corrupt-workbook",
    "password": "encrypted-workbook", "legacy-xls": "legacy-xls", "csv-renamed": "csv-file",
    "zip-bomb": "too-large", "entity-attack": "unsafe-workbook", "empty-workbook": "not-xlflow-workbook",
    "form-sheets-missing": "no-form-sheets", "not-ooxml-zip": "not-a-workbook",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_gets_one_clear_finding(kind, env):
    ws = env[0]
    path = make_hostile(kind, env)
    start = time.perf_counter()
    sub = check_file(path, ws)
    assert time.perf_counter() - start < 5
    assert [f.code for f in sub.report.findings] == [HOSTILE[kind]]
    assert not sub.valid and sub.data is None
    finding = sub.report.findings[0]
    assert finding.message("zh") and finding.message("en") != finding.message("zh")
    result = CliRunner().invoke(main, ["validate", "-w", str(ws.root), str(path), "--json", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    [entry] = json.loads(result.output)["files"]
    assert entry["valid"] is False and [f["code"] for f in entry["findings"]] == [HOSTILE[kind]]


def test_unreadable_messages_name_the_file(env):
    sub = check_file(make_hostile("password", env), env[0])
    assert "password.xlsx" in sub.report.findings[0].message("en")
    assert "密码" in sub.report.findings[0].message("zh")


def test_xlsm_is_read_with_a_warning(env):
    ws, _, filled, root = env
    path = root / "macro.xlsm"
    with zipfile.ZipFile(filled) as zin:
        items = {i.filename: zin.read(i) for i in zin.infolist()}
    items["xl/vbaProject.bin"] = b"\0VBA-not-run"
    _zip(path, items)
    sub = check_file(path, ws)
    assert [(f.code, f.severity) for f in sub.report.findings] == [("macros-ignored", "warning")]
    assert sub.valid and len(sub.data.rows("wbs", "tasks")) == 2


def test_row_cap_bounds_a_sheet_of_endless_rows(tmp_path):
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(1, MAX_ROWS + 500))
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{rows}</sheetData></worksheet>").encode()
    path = _zip(tmp_path / "rows.xlsx", {
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                           b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                                      b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                                      b'</Relationships>',
        "xl/worksheets/sheet1.xml": sheet})
    raw = read_workbook(path)
    assert raw.sheets[0].truncated and raw.sheets[0].last_row == MAX_ROWS


def test_doctype_anywhere_is_refused(env):
    path = patch_parts(env[2], {b"<workbook ": b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><workbook '},
                       env[3] / "doctype.xlsx")
    with pytest.raises(UnreadableWorkbook) as info:
        read_workbook(path)
    assert info.value.code == "unsafe-workbook"


def test_department_stamp_is_read_under_the_same_limits(env):
    """The inbox names the archive copy by the stamp before validation: the stamp is read with the
    reader's zip limits and DOCTYPE refusal, and anything unreadable simply has no stamp."""
    from xlflow.service.staging import guess_department
    from xlflow.xlsx.read import read_properties

    def stamped_department(path, ws):
        return guess_department(path, "upload.xlsx", ws)  # a file name that names no department

    ws, blank, filled, root = env
    assert stamped_department(filled, ws) == "RD"
    bomb = root / "custom-bomb.xlsx"
    with zipfile.ZipFile(filled) as zin:
        entries = {i.filename: zin.read(i) for i in zin.infolist()}
    entries["docProps/custom.xml"] = b"<Properties>" + b" " * 300_000_000 + b"</Properties>"
    started = time.monotonic()
    assert read_properties(_zip(bomb, entries)) == {} and stamped_department(bomb, ws) is None
    assert time.monotonic() - started < 5
    entries["docProps/custom.xml"] = LAUGHS
    assert read_properties(_zip(root / "custom-entities.xlsx", entries)) == {}
    for kind in ("empty-file", "not-a-zip", "truncated", "csv-renamed"):
        assert stamped_department(make_hostile(kind, env), ws) is None
