"""Golden files: today's output for the bundled sample project, locked zip part by zip part.

Why: the module restructure must show "no behaviour change", and an xlsxwriter or openpyxl
upgrade that changes what we write must fail a test rather than reach the departments. As in
XlsxWriter's own comparison tests, a workbook equals its reference when it has the same zip
part names and every XML part is equal once volatile content (docProps dates) is removed.

tests/golden/<name>/ holds parts.txt (the part names) and one file per part, named after the
part with "/" as "__"; the XML is cut into one element per line so that a change reads as a
diff. After a deliberate change, rewrite the references and review them with git diff:

    XLFLOW_REGEN_GOLDEN=1 pytest tests/test_golden.py

The second half checks the fast table writer (FastSheet.bulk) against plain xlsxwriter.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import NamedTuple

import openpyxl
import pytest
import xlsxwriter

from xlflow.output.department import generate_workbook, workbook_name
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace

# --- every xlflow import of this file: re-point these lines when modules move ----------------
from xlflow.service.weekly import send_weekly_brief
from xlflow.watcher import process_inbox  # the intake, as `xlflow watch --once`
from xlflow.xlsx.book import SAFE_OPTIONS
from xlflow.xlsx.fastsheet import Col, FastSheet, Styles
from xlflow.xlsx.pack import FastWorkbook

# ----------------------------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("XLFLOW_REGEN_GOLDEN") == "1"
REGEN_HINT = ("If the change is intended: XLFLOW_REGEN_GOLDEN=1 pytest tests/test_golden.py, "
              "then review git diff tests/golden")

AS_OF = dt.date(2026, 11, 20)  # the sample's Friday, as in `xlflow demo`
WEEKS = {"week46": dt.date(2026, 11, 13), "week47": AS_OF}
SHARE = Path("//fileserver/projects/npl-inbox")  # the workbooks print the inbox path: not a temp folder
OUTPUTS = ["master", "workbook-RD-zh", "workbook-RD-en", "feedback-CS", "brief-html", "brief-text"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    """The sample project run as `xlflow demo` runs it, every date fixed: name -> output file."""
    root = tmp_path_factory.mktemp("golden") / "ws"
    ws = init_workspace(root, "zh", sample=True)
    out = {}
    for lang in ("zh", "en"):
        out[f"workbook-RD-{lang}"] = generate_workbook(dataclasses.replace(ws, inbox_path=SHARE), "RD", lang,
                                                       root / "workbooks" / workbook_name(ws, "RD", lang))
    for week, day in WEEKS.items():
        for path in sorted((samples_dir() / "submissions" / week).glob("*.xlsx")):
            shutil.copy2(path, ws.folder("inbox") / path.name)
        received = dt.datetime.combine(day, dt.time(15, 0)).astimezone()  # 15:00 local in any time zone
        process_inbox(ws, day, "zh", received_at=received)
    feedback = sorted(ws.folder("rejected").glob("*.xlsx"))
    assert len(feedback) == 1, feedback  # week 47's CS workbook has errors: its annotated copy
    out["feedback-CS"] = feedback[0]
    out["master"] = merge_workspace(ws, as_of=AS_OF, lang="zh").master_path
    assert out["master"] == ws.folder("master") / "NPL-2026-master.xlsx"
    brief = send_weekly_brief(ws, AS_OF, send=False, lang="zh")
    out["brief-html"], out["brief-text"] = brief.html, brief.text
    return out


# --- parts: read, normalise, store ------------------------------------------------------------

TEXT_PARTS = (".xml", ".rels", ".vml")
VOLATILE = [  # (pattern, replacement): what changes from run to run, removed before comparing
    (re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)"), r"\1(volatile)\3"),
]


def normalise(name: str, data: bytes) -> bytes:
    """An XML part without its volatile content, one element per line (newlines already in the
    XML become &#10;, so each line break in a reference is one added here). Others stay bytes."""
    if not name.endswith(TEXT_PARTS):
        return data
    text = data.decode("utf-8").replace("\r\n", "\n")  # xlsxwriter writes os.linesep: \r\n on Windows
    text = text.replace(str(SHARE), SHARE.as_posix())  # the inbox as Windows prints it: \\fileserver\...
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return (text.replace("\n", "&#10;").replace("><", ">\n<") + "\n").encode("utf-8")


def parts(path: Path) -> dict[str, bytes]:
    """An xlsx as {part name: normalised part}; any other file as one part."""
    if path.suffix != ".xlsx":
        return {path.name: path.read_bytes()}
    with zipfile.ZipFile(path) as zf:
        return {name: normalise(name, zf.read(name)) for name in zf.namelist()}


def _file(part: str) -> str:
    return part.replace("/", "__")


def write_golden(name: str, got: dict[str, bytes]) -> None:
    folder = GOLDEN / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "parts.txt").write_text("".join(f"{p}\n" for p in sorted(got)), "utf-8", newline="\n")
    for part, data in got.items():
        (folder / _file(part)).write_bytes(data)
    versions = {"xlsxwriter": xlsxwriter.__version__, "openpyxl": openpyxl.__version__}
    (GOLDEN / "versions.json").write_text(json.dumps(versions, indent=1) + "\n", "utf-8", newline="\n")


def read_golden(name: str) -> dict[str, bytes]:
    folder = GOLDEN / name
    names = (folder / "parts.txt").read_text("utf-8").splitlines()
    return {part: (folder / _file(part)).read_bytes() for part in names}


def first_difference(name: str, part: str, want: bytes, got: bytes, others: int) -> str:
    lines = difflib.unified_diff(want.decode("utf-8", "replace").splitlines(),
                                 got.decode("utf-8", "replace").splitlines(),
                                 f"golden/{name}/{_file(part)}", "now", n=2, lineterm="")
    snippet = "\n".join(line[:200] for line, _ in zip(lines, range(40), strict=False))
    more = f" (and {others} more part(s))" if others else ""
    return f"{name}: part {part} differs{more}\n{snippet}\n{REGEN_HINT}"


# --- the golden tests --------------------------------------------------------------------------

@pytest.mark.windows
@pytest.mark.parametrize("name", OUTPUTS)
def test_output_matches_golden(outputs, name):
    """Same part names, every part equal after normalising: else the first differing part's diff."""
    got = parts(outputs[name])
    if REGEN:
        write_golden(name, got)
        pytest.skip(f"wrote tests/golden/{name}")
    want = read_golden(name)
    if set(got) != set(want):
        pytest.fail(f"{name}: other zip parts: new {sorted(set(got) - set(want))}, "
                    f"gone {sorted(set(want) - set(got))}\n{REGEN_HINT}", pytrace=False)
    differing = [p for p in sorted(want) if got[p] != want[p]]
    if differing:
        part = differing[0]
        pytest.fail(first_difference(name, part, want[part], got[part], len(differing) - 1), pytrace=False)


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def test_golden_files_made_with_installed_writers():
    """Another major.minor of xlsxwriter (master, department workbooks) or openpyxl (feedback copy)
    may write other XML: this says so plainly, beside whatever the comparison above reports."""
    if REGEN:
        pytest.skip("regenerating")
    made = json.loads((GOLDEN / "versions.json").read_text("utf-8"))
    installed = {"xlsxwriter": xlsxwriter.__version__, "openpyxl": openpyxl.__version__}
    changed = {lib: f"{made[lib]} -> {installed[lib]}" for lib in installed
               if _major_minor(made[lib]) != _major_minor(installed[lib])}
    assert not changed, (f"tests/golden was made with other writer versions ({changed}): check the generated "
                         f"workbooks (test_output_matches_golden, a look in Excel/LibreOffice), then "
                         f"regenerate: XLFLOW_REGEN_GOLDEN=1 pytest tests/test_golden.py")


# --- the fast table writer against plain xlsxwriter --------------------------------------------

D, T = dt.date, dt.datetime
AWARE = T(2026, 11, 20, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CASES = {  # id: a value a department (or the plan) may hand to the writer
    "formula": "=1+2", "plus": "+49 30 1234", "minus": "-5", "at": "@SUM(A1)", "newline-first": "\nsecond line",
    "tab-first": "\tindented", "cr-first": "\rx", "xml-specials": "<b>&amp; \"q\" 'a'</b> > <",
    "rich-markup": "<r>not rich</r>", "control": "a\x01b\x07c\x1fd", "nul": "\x00x", "escape-like": "_x0041_ literal",
    "nonchars": "a\uffffb\ufffe", "separator": "x\ufdd0y", "max-text": "L" * 32767, "too-long": "M" * 40000,
    "astral-long": "\U0001F600" * 20000, "cjk": "样机测试 项目·评审", "spaces": "  padded  ", "empty": "",
    "none": None, "true": True, "false": False, "int": 42, "zero": 0, "negative": -7, "int-2**53+1": 2**53 + 1,
    "int-2**63": 2**63, "float": 0.1 + 0.2, "third": 1 / 3, "float-integral": 1.0, "negative-zero": -0.0,
    "huge": 1e300, "tiny": 5e-324, "small": 1.5e-10, "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
    "1900-01-01": D(1900, 1, 1), "1900-02-28": D(1900, 2, 28), "1900-03-01": D(1900, 3, 1),
    "9999-12-31": D(9999, 12, 31), "date": D(2026, 11, 20), "dt-1900-01-01": T(1900, 1, 1),
    "dt-1900-03-01": T(1900, 3, 1, 12, 0), "dt-9999-12-31": T(9999, 12, 31, 23, 59, 59),
    "dt-microseconds": T(2026, 11, 20, 15, 0, 0, 500000), "dt-aware": AWARE,
    "number-text": "00123", "exponent-text": "1e5", "url-text": "http://example.com",
}
RISKY = ["formula", "plus", "minus", "at", "newline-first", "tab-first", "cr-first", "nul"]
REFUSED = {"nan", "inf", "-inf", "dt-aware"}  # plain xlsxwriter raises TypeError on these
DELIBERATE = {  # id: (what bulk() reads back, why plain xlsxwriter differs)
    "rich-markup": (("<r>not rich</r>", "s"), "xlsxwriter takes <r>...</r> for its own rich-text XML and "
                                              "writes it raw (read back ''); bulk() keeps it as text"),
    "float": ((0.30000000000000004, "n"), "bulk() writes repr(), exact; xlsxwriter 16 digits (0.3)"),
    "dt-microseconds": ((T(2026, 11, 20, 15, 0), "d"), "bulk() keeps whole seconds (the master shows minutes)"),
    "dt-aware": ((AWARE.astimezone().replace(tzinfo=None), "d"),
                 "bulk() writes local time (received times); xlsxwriter refuses aware datetimes"),
}
BUGS = {  # id: why bulk() is wrong here; strict xfail, so a fix shows up
    "dt-1900-01-01": "xlsxwriter writes 0 here (its time-only rule); bulk() writes 1, the day itself",
}


def _numbers(path: Path, sheet: int) -> dict[int, float]:
    """Row -> the number in column A's <v> as Excel reads it (a double): openpyxl turns dates into
    datetimes and reads serial 59 and 60 (Excel's phantom 1900-02-29) as the same day."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read(f"xl/worksheets/sheet{sheet}.xml"))
    return {int(c.get("r")[1:]): float(c.find(ns + "v").text) for c in root.iter(ns + "c")
            if c.get("r").startswith("A") and c.get("t") in (None, "n") and c.find(ns + "v") is not None}


class Cell(NamedTuple):
    value: object  # as openpyxl reads it; ints as floats, which is what Excel keeps
    type: str  # openpyxl's data_type: s, n, b, d, f
    number: float | None  # the number stored, for number and date cells
    quoted: bool  # Excel's quote prefix: stays text when edited
    link: bool

    def read_back(self) -> tuple:
        return self.value, self.type, self.number


def _read(path: Path) -> list[dict[str, Cell]]:
    """Per sheet, id -> the cell in column A of its row."""
    book = openpyxl.load_workbook(path)
    sheets = []
    for index, sheet in enumerate(book.worksheets, start=1):
        numbers = _numbers(path, index)
        cells = {}
        for row, case in enumerate(CASES, start=1):
            cell = sheet.cell(row, 1)
            value = float(cell.value) if type(cell.value) is int else cell.value
            cells[case] = Cell(value, cell.data_type, numbers.get(row), cell.quotePrefix, cell.hyperlink is not None)
        sheets.append(cells)
    return sheets


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """CASES written by bulk() (all in one call, and one call per value so that rendered cells are
    reused from the memo), by plain xlsxwriter write_row with xlflow's options, and with its
    defaults; each read back with openpyxl."""
    folder = tmp_path_factory.mktemp("fastsheet")
    fast = FastWorkbook(str(folder / "fast.xlsx"), SAFE_OPTIONS)
    fast.worksheet_class = FastSheet
    styles, cols = Styles(fast), [Col("value", 20, lambda v: v)]
    fast.add_worksheet("one call").bulk(0, cols, list(CASES.values()), styles)
    each = fast.add_worksheet("a call each")
    for row, value in enumerate(CASES.values()):
        each.bulk(row, cols, [value], styles)
    fast.close()
    refused = set()
    for name, options in (("plain", SAFE_OPTIONS), ("defaults", {})):
        wb = xlsxwriter.Workbook(str(folder / f"{name}.xlsx"), options)
        sheet = wb.add_worksheet()
        date, datetime = (wb.add_format({"num_format": f}) for f in ("yyyy-mm-dd", "yyyy-mm-dd hh:mm"))
        for row, (case, value) in enumerate(CASES.items()):
            fmt = datetime if isinstance(value, T) else date if isinstance(value, D) else None
            try:
                sheet.write_row(row, 0, [value], fmt)
            except TypeError:
                refused.add(case)
        wb.close()
    one, each = _read(folder / "fast.xlsx")
    return {"one": one, "each": each, "plain": _read(folder / "plain.xlsx")[0],
            "defaults": _read(folder / "defaults.xlsx")[0], "refused": refused}


def _case_params() -> list:
    return [pytest.param(case, id=case, marks=[pytest.mark.xfail(reason=BUGS[case], strict=True)]
                         if case in BUGS else []) for case in CASES]


@pytest.mark.parametrize("case", _case_params())
def test_fast_writer_reads_back_like_xlsxwriter(written, case):
    """Value, type and stored number equal plain xlsxwriter's, in both bulk() paths; where xlflow
    differs on purpose (DELIBERATE) it reads back what the reason says, and differs indeed."""
    plain = written["plain"][case].read_back()
    for path in ("one", "each"):
        got = written[path][case].read_back()
        if case in DELIBERATE:
            expected, why = DELIBERATE[case]
            assert got[:2] == expected and got != plain, f"{path}: {why}"
        else:
            assert got == plain, path


def test_formula_like_text_stays_text(written):
    """Deliberate: xlsxwriter's defaults turn "=1+2" into a formula and a URL into a link; xlflow
    writes department text as strings only, with Excel's quote prefix where it would become one."""
    assert written["defaults"]["formula"].type == "f" and written["defaults"]["url-text"].link
    for path in ("one", "each"):
        cells = written[path]
        assert all(cells[case].type == "s" and cells[case].quoted for case in RISKY), path
        assert not any(cell.quoted for case, cell in cells.items() if case not in RISKY), path
        assert not cells["url-text"].link, path


def test_xlsxwriter_refuses_what_bulk_writes(written):
    """NaN and infinities make an empty cell in bulk(); plain xlsxwriter refuses them, and aware datetimes."""
    assert written["refused"] == REFUSED
    for path in ("one", "each"):
        assert all(written[path][case].read_back() == (None, "n", None) for case in ("nan", "inf", "-inf")), path
