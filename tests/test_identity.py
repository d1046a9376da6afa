"""Whose workbook is it: identity.py's one rule, on generated workbooks broken the way people break them."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.packaging.custom import CustomPropertyList, StringProperty

from validate_helpers import values_only_copy
from xlflow.check.identity import identify, identify_file
from xlflow.check.locate import locate_forms
from xlflow.check.validate import check_file
from xlflow.spec.catalog import load_catalog
from xlflow.xlsx.read import read_workbook

RD_LINE = "项目：智能水壶X1新品上市（NPL-2026）｜部门：研发部（RD）｜周期：2026-09-01 ~ 2027-01-29"
MK_LINE = "项目：智能水壶X1新品上市（NPL-2026）｜部门：市场部（MK）｜周期：2026-09-01 ~ 2027-01-29"
OTHER_LINE = "项目：旧款水壶维护（OLD-2025）｜部门：研发部（RD）｜周期：2025-01-01 ~ 2025-06-30"


def codes(sub):
    return [f.code for f in sub.report.findings]


def set_property(src: Path, dst: Path, name: str, value: str) -> Path:
    """Edit one custom document property, as File > Properties > Custom does."""
    wb = openpyxl.load_workbook(src)
    props = CustomPropertyList()
    for p in wb.custom_doc_props:
        props.append(StringProperty(name=p.name, value=value) if p.name == name else p)
    wb.custom_doc_props = props
    wb.save(dst)
    return dst


def set_header(src: Path, dst: Path, sheet: str, line: str) -> Path:
    wb = openpyxl.load_workbook(src)
    wb[sheet].cell(2, 1).value = line
    wb.save(dst)
    return dst


@pytest.fixture
def rd(blank_workbook):
    return blank_workbook("RD", "zh")


def test_generated_workbook_is_identified_by_its_property(sample_ws, rd):
    sub = check_file(rd, sample_ws)
    assert sub.valid and sub.department == "RD"
    ident = sub.identity
    assert (ident.department, ident.project, ident.source, ident.trusted) == ("RD", "NPL-2026", "property", True)
    assert ident.conflicts == () and ident.spec_version == load_catalog().version
    assert identify_file(rd, sample_ws) == ident


def test_property_and_defined_name_disagree(sample_ws, rd, tmp_path):
    path = set_property(rd, tmp_path / "edited.xlsx", "xlflow_department", "MK")
    sub = check_file(path, sample_ws)
    assert codes(sub) == ["conflicting-stamps"] and not sub.valid and sub.department is None
    ident = sub.identity
    assert not ident.trusted and ident.department == "MK" and ident.source == "property"
    assert ("department", "property", "MK") in ident.conflicts
    assert ("department", "defined-name", "RD") in ident.conflicts
    assert ("department", "header", "RD") in ident.conflicts
    for lang in ("zh", "en"):
        text = sub.report.findings[0].message(lang)
        assert "MK" in text and "RD" in text and "NPL-2026" in text
    assert "文档属性“MK”" in sub.report.findings[0].message("zh")
    assert 'defined name "RD"' in sub.report.findings[0].message("en")
    assert identify_file(path, sample_ws) == ident


def test_project_stamps_disagree(sample_ws, rd, tmp_path):
    path = set_property(rd, tmp_path / "edited.xlsx", "xlflow_project", "OLD-2025")
    sub = check_file(path, sample_ws)
    assert codes(sub) == ["conflicting-stamps"]
    assert ("project", "property", "OLD-2025") in sub.identity.conflicts and not sub.identity.trusted
    assert "OLD-2025" in sub.report.findings[0].message("en")


def test_values_pasted_into_a_new_workbook_are_known_by_the_header_line(sample_ws, rd, tmp_path):
    path = values_only_copy(rd, tmp_path / "pasted.xlsx")
    raw = read_workbook(path)
    assert raw.properties == {} and "xlflow_department" not in raw.names
    sub = check_file(path, sample_ws)
    assert sub.department == "RD", codes(sub)
    assert (sub.identity.source, sub.identity.project, sub.identity.trusted) == ("header", "NPL-2026", True)
    assert not {"conflicting-stamps", "department-missing", "wrong-project"} & set(codes(sub))
    assert identify_file(path, sample_ws).source == "header"


def test_header_of_another_project_is_rejected_as_wrong_project(sample_ws, rd, tmp_path):
    path = values_only_copy(rd, tmp_path / "old.xlsx", header=OTHER_LINE)
    sub = check_file(path, sample_ws)
    assert codes(sub) == ["wrong-project"] and sub.data is None
    assert sub.report.findings[0].value == "OLD-2025"
    assert sub.identity.project == "OLD-2025" and sub.identity.source == "header"


def test_header_naming_another_department_than_the_stamps(sample_ws, rd, tmp_path):
    path = set_header(rd, tmp_path / "mixed.xlsx", "任务分解表", MK_LINE)
    sub = check_file(path, sample_ws)
    assert codes(sub) == ["conflicting-stamps"]
    ident = sub.identity
    assert not ident.trusted and ident.department == "RD"
    assert {("department", "header", "RD"), ("department", "header", "MK")} <= set(ident.conflicts)
    assert ident.values("department", "header") == "RD/MK"
    assert identify_file(path, sample_ws).trusted is False


def test_sheets_of_two_departments_pasted_together(sample_ws, rd, tmp_path):
    """No stamps left, and the header lines disagree with each other: not trusted either."""
    pasted = values_only_copy(rd, tmp_path / "pasted.xlsx")
    path = set_header(pasted, tmp_path / "two.xlsx", "RACI矩阵", MK_LINE)
    sub = check_file(path, sample_ws)
    assert codes(sub) == ["conflicting-stamps"] and sub.identity.source == "header"
    assert not sub.identity.trusted


def test_identify_file_falls_back_to_the_file_name_only_without_stamp_and_header(sample_ws, tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "我们自己的计划"
    plain = tmp_path / "NPL-2026_MK_市场部.xlsx"
    wb.save(plain)
    ident = identify_file(plain, sample_ws)
    assert (ident.department, ident.source, ident.trusted, ident.project) == ("MK", "file-name", True, None)
    legacy = tmp_path / "研发部 周报.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert (identify_file(legacy, sample_ws).department, identify_file(legacy, sample_ws).source) == ("RD", "file-name")
    staged = tmp_path / "staged-0001.xlsx"  # the intake's staged copy, named apart from what was sent
    wb.save(staged)
    assert identify_file(staged, sample_ws, file_name="周报_MK.xlsx").department == "MK"
    nameless = tmp_path / "plan.xlsx"
    wb.save(nameless)
    assert identify_file(nameless, sample_ws).source is None and identify_file(nameless, sample_ws).department is None


def test_a_stamp_beats_the_file_name(sample_ws, rd, tmp_path):
    renamed = tmp_path / "MK_市场部.xlsx"
    renamed.write_bytes(rd.read_bytes())
    ident = identify_file(renamed, sample_ws)
    assert (ident.department, ident.source, ident.trusted) == ("RD", "property", True)


def test_identify_takes_the_located_sheets(sample_ws, rd):
    raw = read_workbook(rd)
    located = locate_forms(raw, load_catalog(), sample_ws)
    assert identify(raw, sample_ws, located) == identify(raw, sample_ws, list(located.values()))
    raw.properties.clear()
    raw.names.clear()
    assert identify(raw, sample_ws, located).source == "header"
    assert identify(raw, sample_ws, []).source is None
