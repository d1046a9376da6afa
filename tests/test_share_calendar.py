"""The calendar feeds, parsed back with icalendar and checked byte by byte."""
from __future__ import annotations

import dataclasses
import datetime as dt

import icalendar

from share_helpers import SECRETS, T, ics_lines, make_ws, sample_week, week_state
from xlflow.share.publish import publish


def _events(path) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_each_due_date_in_scope_is_one_all_day_event(tmp_path):
    ws = make_ws(tmp_path / "ws", "zh")
    publish(ws, sample_week())
    rd = ws.root / "slices" / "RD.ics"
    events = _events(rd)
    summaries = sorted(str(e["SUMMARY"]) for e in events.values())
    assert summaries == ["MK-003 上市物料设计截止", "RD-001 样机评审 🔧 截止", "RD-002 =SUM(A1) 量产设计冻结截止",
                         "里程碑：新品发布会"]
    e = events["TP-1-RD-002@xlflow"]
    assert e.decoded("DTSTART") == dt.date(2026, 11, 27) and e.decoded("DTEND") == dt.date(2026, 11, 28)
    assert str(e["DESCRIPTION"]) == "状态：进行中\n负责人：王磊\n原因：供应商延迟"
    assert "负责人" not in str(events["TP-1-MK-003@xlflow"]["DESCRIPTION"])  # the other side: no owner
    cal = icalendar.Calendar.from_ical(rd.read_bytes())
    assert str(cal["X-WR-CALNAME"]) == "测试项目🚀 — 研发部" and str(cal["METHOD"]) == "PUBLISH"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    text = rd.read_bytes().decode("utf-8")
    assert not any(s in text for s in SECRETS)
    coordinator = _events(ws.root / "slices" / "coordinator.ics")
    assert len(coordinator) == 6  # every task and the milestone
    assert "赵秘" in str(coordinator["TP-1-MK-009@xlflow"]["DESCRIPTION"])


def test_a_moved_task_keeps_its_uid_with_a_higher_sequence(tmp_path):
    ws = make_ws(tmp_path / "ws", "en")
    week = sample_week()
    publish(ws, week)
    publish(ws, week)  # the same week again: nothing moved, nothing raised
    first = _events(ws.root / "slices" / "RD.ics")
    assert int(first["TP-1-RD-002@xlflow"]["SEQUENCE"]) == 0
    moved = tuple(dataclasses.replace(t, due=dt.date(2026, 12, 2)) if t.task_id == "RD-002" else t for t in week.tasks)
    later = week_state(moved, week.tasks, as_of=dt.date(2026, 11, 27))
    publish(ws, later)
    for feed in ("RD.ics", "coordinator.ics"):
        events = _events(ws.root / "slices" / feed)
        e = events["TP-1-RD-002@xlflow"]
        assert e.decoded("DTSTART") == dt.date(2026, 12, 2) and int(e["SEQUENCE"]) == 1
        assert int(events["TP-1-RD-001@xlflow"]["SEQUENCE"]) == 0  # did not move
    assert ws.root.joinpath("slices", "RD", "TP-1-RD-2026-W48.xlsx").is_file()


def test_raw_bytes_crlf_folded_at_75_octets_valid_utf8(tmp_path):
    ws = make_ws(tmp_path / "ws", "zh")
    long_name = "超长任务名称😀包含中文和表情符号" * 6
    tasks = (T("RD-001", dt.date(2026, 11, 30), long_name, "王磊🙂", reason="原因😀" * 20),)
    publish(ws, week_state(tasks))
    data = (ws.root / "slices" / "RD.ics").read_bytes()
    lines = ics_lines(data)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # every physical line on its own: no character split by the folding
    assert any(line.startswith(b" ") for line in lines)  # it did fold
    e = next(iter(_events(ws.root / "slices" / "RD.ics").values()))
    assert str(e["SUMMARY"]) == f"RD-001 {long_name}截止"
