"""A generated workbook opened and re-saved by LibreOffice keeps its sheets, dropdowns, locks and values."""
from __future__ import annotations

import datetime as dt

import openpyxl

from libreoffice import convert
from xlflow.output.department import generate_workbook
from xlflow.resources import samples_dir
from xlflow.spec.catalog import load_catalog


def _validations(wb):
    return {(s.title, dv.type, (dv.formula1 or "").lstrip("="), str(dv.sqref))
            for s in wb.worksheets for dv in s.data_validations.dataValidation}


def test_libreoffice_resave_keeps_structure_and_values(sample_ws, tmp_path):
    original = samples_dir() / "submissions" / "week47" / "NPL-2026_PMO_项目管理办公室.xlsx"
    resaved = convert(original, "xlsx", tmp_path / "lo")
    before, after = openpyxl.load_workbook(original), openpyxl.load_workbook(resaved)
    assert after.sheetnames == before.sheetnames
    assert after["_lists"].sheet_state == "hidden"
    assert _validations(after) == _validations(before)
    for name in before.sheetnames:
        old, new = before[name], after[name]
        assert new.protection.sheet == old.protection.sheet
        for row in old.iter_rows(max_row=40):
            for cell in row:
                if cell.value is not None:
                    assert new[cell.coordinate].value == cell.value, f"{name}!{cell.coordinate}"
                    assert new[cell.coordinate].protection.locked == cell.protection.locked
    assert after["任务分解表"]["E8"].value == dt.datetime(2026, 9, 1)
    props = {p.name: p.value for p in after.custom_doc_props.props}
    assert props["xlflow_department"] == "PMO" and props["xlflow_spec_version"] == load_catalog().version


def test_libreoffice_renders_a_generated_workbook(sample_ws, tmp_path):
    path = generate_workbook(sample_ws, "RD", "en", tmp_path / "rd.xlsx")
    pdf = convert(path, "pdf", tmp_path / "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
