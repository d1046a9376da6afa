"""A new project's forms speak of the project itself: hints give its own codes as examples (not the
sample's RD-001, MK-002, NPL-2026), and Kick-off, Consensus and Retrospective come with its name and
code filled in — while a form left untouched still counts as unused."""
from __future__ import annotations

import openpyxl
import pytest

from xlflow.check.validate import check_file
from xlflow.config import load_workspace
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.service.scaffold import init_workspace

CONFIG_DEPTS = '''
[[departments]]
code = "FAC"
name = { en = "Facilities" }

[[departments]]
code = "IT"
name = { en = "IT" }
'''


def _office_move(tmp_path, lang: str):
    ws = init_workspace(tmp_path / lang, lang)
    path = ws.root / "xlflow.toml"
    text = path.read_text("utf-8").replace('code = "PRJ-001"', 'code = "OM-2027"').replace(
        'lead_department = "PMO"', 'lead_department = "FAC"').replace(
        'name = { zh = "新项目", en = "New project" }', 'name = { zh = "办公室搬迁", en = "Office move" }')
    head, _, tail = text.partition("[[departments]]")
    tail = tail[tail.index("[email]"):]
    path.write_text(head + CONFIG_DEPTS.lstrip() + "\n" + tail, "utf-8")
    return load_workspace(ws.root)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hints_and_prefilled_cards_come_from_the_project(tmp_path, lang):
    ws = _office_move(tmp_path, lang)
    path = generate_workbook(ws, "IT", lang, tmp_path / workbook_name(ws, "IT", lang))
    book = openpyxl.load_workbook(path)
    hints = [dv.prompt or "" for sheet in book.worksheets for dv in sheet.data_validations.dataValidation]
    steps = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    text = " ".join(hints) + steps
    for sample in ("RD-", "MK-", "NPL-2026", "研发部", "Marketing"):
        assert sample not in text, sample
    assert "IT-001" in text and "FAC-001" in text and "OM-2027" in text and "IT-R01" in text
    values = {c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    assert {"OM-2027", ws.project.name(lang)} <= values
    report = check_file(path, ws).report
    assert not [f for f in report.findings if f.code == "required"], report.flatten()  # untouched forms: unused


def test_a_card_date_sits_next_to_its_label(tmp_path):
    ws = _office_move(tmp_path, "en")
    book = openpyxl.load_workbook(generate_workbook(ws, "IT", "en", tmp_path / "it.xlsx"))
    sheet = book["WBS"]
    label = next(c for row in sheet.iter_rows() for c in row if c.value == "Update date *")
    value = sheet.cell(label.row, label.column + 1)
    assert value.number_format == "yyyy-mm-dd" and value.alignment.horizontal == "left"
