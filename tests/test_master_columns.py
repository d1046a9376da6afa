"""The master finds its columns by key: a column added or moved keeps colours, validation and Gantt bars
on the right columns; a status added to the spec gets its dashboard column, bar series and slice."""
import os
import re

import openpyxl
import pytest

from merge_helpers import D, catalog_with_status, make_ws, submission, task
from xlflow.errors import OutputLocked
from xlflow.plan.build import build_plan
from xlflow.week import master
from xlflow.week.master import write_master
from xlflow.xlsx.book import col_name
from xlflow.xlsx.fastsheet import Col

AS_OF = D(2026, 11, 20)


@pytest.fixture
def ws(tmp_path):
    return make_ws(tmp_path / "ws")


@pytest.fixture
def plan(ws):
    return build_plan([
        submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 11, 13)),
                          task("RD-2", D(2026, 11, 16), D(2026, 12, 4), "not_started", ("RD-1",))]),
        submission("MK", [task("MK-1", D(2026, 11, 16), D(2026, 11, 30), "blocked", ("RD-1",))]),
    ], ws, AS_OF)


def _shuffled(make):
    """The columns `make` returns, with an extra one first and the last two swapped."""
    def cols(w):
        out = [Col("Extra", 8, lambda t: "x", key="extra"), *make(w)]
        out[-1], out[-2] = out[-2], out[-1]
        return out
    return cols


def _letters(sheet) -> dict[str, str]:
    return {c.value: c.column_letter for c in sheet[4] if c.value is not None}


def _colour_ranges(sheet) -> dict[str, set[str]]:
    """Cell-rule range -> the values it colours ('"Delayed"', ...)."""
    out: dict[str, set[str]] = {}
    for cf_range, rules in sheet.conditional_formatting._cf_rules.items():
        for rule in rules:
            if rule.type == "cellIs":
                out.setdefault(str(cf_range.sqref), set()).add(rule.formula[0])
    return out


def test_an_added_and_moved_column_keeps_colours_and_gantt_bars(ws, plan, tmp_path, monkeypatch):
    monkeypatch.setattr(master.wbs, "task_cols", _shuffled(master.wbs.task_cols))
    monkeypatch.setattr(master.timeline, "timeline_cols", _shuffled(master.timeline.timeline_cols))
    wb = openpyxl.load_workbook(write_master(plan, ws, tmp_path / "m.xlsx", "en").path)

    sheet = wb["Master WBS"]
    at = _letters(sheet)
    assert list(at)[0] == "Extra"
    ranges = _colour_ranges(sheet)
    for header in ("Status", "Effective status", "Health", "Priority"):
        assert f"{at[header]}5:{at[header]}7" in ranges, header
    assert '"Delayed"' in ranges[f"{at['Status']}5:{at['Status']}7"]
    assert '"Overdue"' in ranges[f"{at['Health']}5:{at['Health']}7"]
    validation = sheet.data_validations.dataValidation[0]
    assert str(validation.sqref) == f"{at['Status']}5:{at['Status']}7"

    timeline = wb["Timeline"]
    at = _letters(timeline)
    assert (at["Start"], at["Due"]) != ("E", "F")  # moved by the test
    first_week = col_name(sum(isinstance(v, str) for v in at))  # the weeks follow the task columns
    formulas = [r.formula[0] for rules in timeline.conditional_formatting._cf_rules.values() for r in rules
                if r.type == "expression" and '="' in r.formula[0]]
    assert formulas
    for formula in formulas:
        status, due, start = re.fullmatch(r'AND\(\$([A-Z]+)5="[^"]+",[A-Z]+\$4<=\$([A-Z]+)5,[A-Z]+\$4\+6>=\$([A-Z]+)5\)',
                                          formula).groups()
        assert (status, due, start) == (at["Effective status"], at["Due"], at["Start"])
        assert formula.count(f"{first_week}$4") == 2
    assert f"{at['Effective status']}5:{at['Effective status']}7" in _colour_ranges(timeline)


def test_a_status_added_to_the_spec_reaches_the_dashboard(ws, tmp_path):
    catalog = catalog_with_status(tmp_path / "spec")
    plan = build_plan([submission("RD", [task("RD-1", D(2026, 11, 2), D(2026, 12, 4), "on_hold"),
                                         task("RD-2", D(2026, 11, 2), D(2026, 12, 4))])], ws, AS_OF, catalog=catalog)
    path = write_master(plan, ws, tmp_path / "m.xlsx", "en", catalog=catalog).path
    wb = openpyxl.load_workbook(path)
    sheet = wb["Dashboard"]
    header = [c.value for c in sheet[7]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=8, max_row=10, values_only=True)}
    assert rows["RD"]["On hold"] == 1 and rows["RD"]["In progress"] == 1 and rows["MK"]["On hold"] == 0
    overall = {r[0]: r[1] for r in sheet.iter_rows(min_row=14, max_row=19, max_col=2, values_only=True)}
    assert overall["On hold"] == 1
    bar, pie = sheet._charts
    assert len(bar.series) == len(plan.statuses) == 6
    assert len(pie.series[0].dPt) == 6


def test_master_that_cannot_be_written_anywhere_raises_output_locked(ws, plan, tmp_path, monkeypatch):
    target = tmp_path / "m.xlsx"
    target.write_bytes(b"open in Excel")

    def refused(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(OutputLocked) as caught:
        write_master(plan, ws, target, "en")
    assert caught.value.key == "output-locked" and caught.value.params["target"] == target
    assert target.read_bytes() == b"open in Excel"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["m.xlsx"]
