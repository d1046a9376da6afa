"""`xlflow export tables`: the week as tidy tables, read back as a BI tool would: the columns of the
data dictionary in order, typed values, one row per fact, formula-looking text kept as text."""
from __future__ import annotations

import datetime as dt
import re
import sys

import openpyxl
import pytest

from export_helpers import hand_week
from xlflow.export.columns import TABLES, TYPES
from xlflow.export.tables import table_rows, write_xlsx

pd = pytest.importorskip("pandas", reason="pandas is not installed (the Windows lane installs without it): "
                         "the csv tables need it")
from xlflow.export.frames import PandasMissing, frames, write_csv  # noqa: E402


def test_the_dictionary_names_every_column_once_in_snake_case():
    for name, columns in TABLES.items():
        names = [c.name for c in columns]
        assert len(set(names)) == len(names) and names[:2] == ["project_code", "as_of"], name
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names + [name]), name
        assert all(c.type in TYPES and c.en and c.zh for c in columns), name


def test_one_row_per_fact():
    state = hand_week()
    rows = table_rows(state)
    assert set(rows) == set(TABLES)
    assert len(rows["tasks"]) == len(state.tasks)
    assert len(rows["links"]) == sum(len(t.predecessors) for t in state.tasks) == 3
    assert len(rows["change_requests"]) == 2 and len(rows["decisions"]) == 1
    assert len(rows["change_tasks"]) == 3 and len(rows["moves"]) == 1 and len(rows["versions"]) == 2
    assert len(rows["scorecard"]) == 2  # one department × two weeks
    assert rows["milestones"] == [("TP-1", dt.date(2026, 11, 20), "样机评审", dt.date(2026, 12, 11), "RD", ""),
                                  ("TP-1", dt.date(2026, 11, 20), "未定日期", None, "", "")]
    links = [r[2:] for r in rows["links"]]
    assert ("MK", "MK-001", "RD-002", "RD", True) in links and ("RD", "RD-002", "RD-001", "RD", False) in links
    assert ("MK", "MK-001", "XX-404", None, False) in links  # a dangling link says so


def test_csv_reads_back_typed_with_a_bom(tmp_path):
    state = hand_week()
    written = write_csv(state, tmp_path)
    assert set(written) == set(TABLES)
    for name, (path, count) in written.items():
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name  # Excel on a Chinese Windows reads UTF-8 only with it
        df = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
        assert list(df.columns) == [c.name for c in TABLES[name]] and len(df) == count, name
    tasks = pd.read_csv(tmp_path / "tasks.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rd2 = tasks[tasks.task_id == "RD-002"].iloc[0]
    assert (rd2.start, rd2.due, rd2.percent, rd2.slip_days, rd2.critical, rd2.critical_order) == (
        "2026-11-16", "2026-11-27", "40.0", "5", "True", "1")
    assert rd2["name"] == "'=HYPERLINK(\"http://x\",\"点我\")"  # Excel would run it; the apostrophe keeps it text
    mk1 = tasks[tasks.task_id == "MK-001"].iloc[0]
    assert (mk1["name"], mk1.reason, mk1.start, mk1.percent) == ("'+发布会 & <预热>", "'-等待样机", "", "")
    versions = pd.read_csv(tmp_path / "versions.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(versions.received) == ["2026-11-13 15:00:00", "2026-11-20 15:00:00"]
    assert list(versions.tasks_changed) == ["", "1"]


def test_frames_are_typed():
    df = frames(hand_week())
    tasks, card = df["tasks"], df["scorecard"]
    assert str(tasks["due"].dtype).startswith("datetime64") and str(tasks["days_late"].dtype) == "Int64"
    assert str(tasks["critical"].dtype) == "boolean" and str(tasks["percent"].dtype) == "Float64"
    assert str(tasks["name"].dtype) == "string"
    assert list(card["on_time_percent"]) == [0.0, 50.0] and list(card["week"]) == ["2026-W46", "2026-W47"]


def test_xlsx_cells_are_typed_and_text_stays_text(tmp_path):
    state = hand_week()
    path = tmp_path / "t.xlsx"
    counts = write_xlsx(state, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(TABLES)
    for name, columns in TABLES.items():
        sheet = wb[name]
        assert [c.value for c in sheet[1]] == [c.name for c in columns]
        assert name in sheet.tables and (sheet.max_row - 1 == counts[name] or counts[name] == 0)
    rows = {r[3]: r for r in wb["tasks"].iter_rows(min_row=2, values_only=True)}
    rd2 = rows["RD-002"]
    assert rd2[4] == "=HYPERLINK(\"http://x\",\"点我\")" and wb["tasks"]["E3"].data_type == "s"
    assert rd2[7] == dt.datetime(2026, 11, 16) and rd2[11] == 40 and rd2[19] is True and rd2[20] == 1
    change = next(wb["change_requests"].iter_rows(min_row=2, values_only=True))
    assert change[6] == "=1+1" and wb["change_requests"]["G2"].data_type == "s"
    assert next(wb["versions"].iter_rows(min_row=2, values_only=True))[4] == dt.datetime(2026, 11, 13, 15, 0)


def test_without_pandas_csv_says_so(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(PandasMissing) as caught:
        write_csv(hand_week(), tmp_path)
    assert "pip install pandas" in caught.value.message("en") and "--format xlsx" in caught.value.message("zh")
    assert write_xlsx(hand_week(), tmp_path / "still.xlsx")["tasks"] == 4  # xlsx needs no pandas


def test_the_docs_list_every_column():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "exports.md").read_text("utf-8")
    for name, columns in TABLES.items():
        section = text.split(f"### `{name}`", 1)[1].split("### ", 1)[0]
        assert [c.name for c in columns] == re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.M), name
