"""Two smaller check fixes, on a real generated workbook filled with openpyxl: a percent cell
formatted as a percentage holding 70 (Excel shows 7000 %), and a combined RACI role "A/R"."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from validate_helpers import blank_rd, fill, task
from xlflow.check.validate import check_file, task_rows

UPDATE = {"update_date": dt.date(2026, 11, 20)}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return blank_rd(tmp_path_factory.mktemp("smaller"))


def codes(sub):
    return sorted((f.code, f.cell) for f in sub.report.findings)


def percent_workbook(env, value, number_format, name):
    """One task whose 完成百分比 cell holds `value` with `number_format`, as Excel leaves it after
    someone typed "50%" into it once and a plain number later."""
    ws, blank, root = env
    path = fill(ws, blank, root / name, {"wbs": {"card": UPDATE, "tables": {"tasks": [task(1, percent=value)]}}})
    ref = task_rows(check_file(path, ws))[0].cells["percent"] if value is not None else None
    wb = openpyxl.load_workbook(path)
    wb["任务分解表"][ref].number_format = number_format
    wb.save(path)
    return check_file(path, ws), ref


def test_70_in_a_cell_formatted_as_percent_says_how_to_fix_the_cell(env):
    sub, ref = percent_workbook(env, 70, "0%", "pct7000.xlsx")
    assert codes(sub) == [("percent-cell-format", ref)] and not sub.valid
    finding = sub.report.findings[0]
    zh, en = finding.message("zh"), finding.message("en")
    assert "百分比格式" in zh and "7000%" in zh and "“70%”" in zh and "清除" in zh
    assert "formatted as a percentage" in en and "7000 %" in en and '"70%"' in en and "type 70" in en


def test_a_real_fraction_in_a_percent_cell_still_reads(env):
    sub, ref = percent_workbook(env, 0.7, "0%", "pct70.xlsx")
    assert sub.valid, codes(sub)
    assert task_rows(sub)[0].values["percent"] == 70.0


def test_a_value_beyond_100_in_a_plain_cell_is_still_out_of_range(env):
    sub, ref = percent_workbook(env, 150, "General", "pct150.xlsx")
    assert codes(sub) == [("out-of-range", ref)]


def raci(env, rows, name):
    ws, blank, root = env
    return check_file(fill(ws, blank, root / name, {"raci": {"tables": {"matrix": rows}}}), ws)


def test_combined_role_counts_as_both(env):
    """'A/R': the department both signs off and does the work; exactly one A and an R."""
    sub = raci(env, [{"item": "样机评审", "raci:RD": "A/R", "raci:MK": "C"},
                     {"item": "定价", "raci:MK": "a / r", "raci:PMO": "I"},
                     {"item": "发布", "raci:PMO": "R、A"}], "raci_ar.xlsx")
    assert sub.valid and codes(sub) == []
    rows = sub.data.rows("raci", "matrix")
    assert [r.values["raci:RD"] for r in rows] == ["A/R", None, None]
    assert rows[1].values["raci:MK"] == "A/R" and rows[2].values["raci:PMO"] == "R/A"


def test_combined_role_still_meets_the_row_rules(env):
    sub = raci(env, [{"item": "样机评审", "raci:RD": "A/R", "raci:MK": "A"},
                     {"item": "定价", "raci:MK": "A/X", "raci:RD": "R", "raci:PMO": "A"}], "raci_bad.xlsx")
    found = codes(sub)
    assert found == [("bad-enum", "D7"), ("raci-one-a", "A6")]  # A7: the bad cell, not three findings
