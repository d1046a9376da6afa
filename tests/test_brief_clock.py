"""The brief's own clock: a brief counts "due today", "overdue", "due in N days" and "stale" on its own
day from the week's data, not on the day of the last merge, and says first how old that data is."""
from __future__ import annotations

import datetime as dt

from guard_e2e_helpers import blank, label, run, task
from validate_helpers import fill
from watch_helpers import make_ws
from xlflow.output.department import workbook_name
from xlflow.service.weekly import make_brief
from xlflow.week.brief import render_brief

D = dt.date
MONDAY, WEDNESDAY, FRIDAY = D(2026, 11, 16), D(2026, 11, 18), D(2026, 11, 20)


def _merged_on_monday(tmp_path):
    ws = make_ws(tmp_path / "ws")
    rows = [task("RD", 1, due=FRIDAY, status=label("in_progress"), percent=40),
            task("RD", 2, due=WEDNESDAY, status=label("in_progress"), percent=60)]
    fill(ws, blank(ws, "RD"), ws.folder("inbox") / workbook_name(ws, "RD", "en"),
         {"wbs": {"card": {"update_date": MONDAY}, "tables": {"tasks": rows}}})
    run(ws, MONDAY)
    return ws


def test_a_friday_brief_after_a_monday_merge_counts_on_friday(tmp_path):
    ws = _merged_on_monday(tmp_path)
    monday = make_brief(ws, MONDAY, "en")
    assert {i.task_id: i.note for i in monday.section("due_soon").items}["RD-001"] == "due in 4 working days"
    assert "RD-002" not in {i.task_id for i in monday.section("overdue").items}
    assert not any("working days ago" in n for n in monday.notes)  # built on the merge's day: no age note

    friday = make_brief(ws, FRIDAY, "en")
    assert friday.as_of == FRIDAY and friday.snapshot_date == MONDAY
    assert {i.task_id: i.note for i in friday.section("due_soon").items}["RD-001"] == "due today"
    assert "RD-002" in {i.task_id for i in friday.section("overdue").items}  # due Wednesday, not done
    assert friday.notes[0].startswith("⚠ Note: the data in this brief is from the merge of 2026-11-16, 4 working days ago")
    html, text = render_brief(ws, friday)
    assert "4 working days ago" in text and "4 working days ago" in html


def test_the_age_of_the_data_is_said_in_chinese_too(tmp_path):
    ws = _merged_on_monday(tmp_path)
    assert "⚠ 注意：本简报的数据来自 2026-11-16 的合并，距今已 4 个工作日" in make_brief(ws, FRIDAY, "zh").notes[0]
    tuesday = make_brief(ws, D(2026, 11, 17), "zh")  # one working day old: not worth a warning
    assert not any("工作日；此后" in n for n in tuesday.notes)
