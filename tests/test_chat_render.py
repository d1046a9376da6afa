"""The five events rendered from a hand-built WeekState, in Chinese and English, within the limits."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from xlflow.chat import render
from xlflow.chat.config import ChatChannel
from xlflow.chat.vendors import parts
from xlflow.features.control.moves import Move
from xlflow.features.control.requests import ChangeRequest
from xlflow.service.scaffold import init_workspace
from xlflow.week.state import DepartmentWeek, Escalation, Task, WeekState
from xlflow.workdays import week_of

DAY = dt.date(2026, 11, 20)


def _state() -> WeekState:
    week = week_of(DAY)
    tasks = (
        Task("RD", "RD-001", "温控模块联调", status="delayed", due=DAY - dt.timedelta(days=3), reason="样品未到",
             health="overdue"),
        Task("RD", "RD-002", "外观定稿", status="done", due=DAY - dt.timedelta(days=10), health="done"),
        Task("MK", "MK-001", "=HYPERLINK(\"x\")上市发布会", status="blocked", due=DAY + dt.timedelta(days=1),
             reason="等待 RD-001", health="blocked"),
        Task("SA", "SA-001", "渠道铺货", status="in_progress", due=DAY, health="due_soon"),
    )
    previous = (Task("RD", "RD-001", "温控模块联调", status="in_progress"), Task("MK", "MK-001", "x", status="blocked"))
    depts = (DepartmentWeek("RD", 2, 1, 1, 1, 50.0, True, None, 3), DepartmentWeek("MK", 1, 0, 1, 0, 0.0, True, None, 2),
             DepartmentWeek("SA", 1, 0, 0, 0, 40.0, False, None, 1))
    change = ChangeRequest("CR-007", "RD", DAY, "schedule", "温控模块延后一周", "供应商", "MK 发布会顺延", ("RD-001",),
                           {"RD-001": (None, DAY + dt.timedelta(days=7))}, status="approved", decided_by="周敏",
                           decided_on=DAY)
    pending = ChangeRequest("CR-008", "MK", DAY, "scope", "发布会改线上", "", "", ("MK-001",))
    moves = (Move("SA-001", "SA", "due", DAY - dt.timedelta(days=5), DAY, 5, "unapproved"),)
    return WeekState("NPL-2026", week, DAY, DAY, tasks, depts, previous_tasks=previous, projected_end=dt.date(2027, 1, 29),
                     changes=(change, pending), moves=moves, escalations=(Escalation("RD", "RD-001", "请分管副总协调供应商"),))


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return init_workspace(tmp_path_factory.mktemp("r") / "ws", "zh", sample=True)


def test_the_digest_is_one_screen_of_the_week_in_both_languages(ws):
    zh = render.digest(ws, _state(), "zh", "完整周报已发邮件")
    assert zh.title == "智能水壶X1新品上市周报 " + week_of(DAY).label
    text = "\n".join(zh.lines)
    assert "任务 4 项，已完成 1，延期/受阻 2，逾期 1；预计完成 2027-01-29" in text
    assert "本周新增延期/受阻 1 项：" in text and "RD-001 温控模块联调" in text and "样品未到" in text
    assert "MK-001" not in text.split("逾期")[0]  # blocked already last week: not new
    assert "未经批准的日期变动 1 项：" in text and "SA-001 due" in text
    assert "待决定的变更申请 1 项：" in text and "CR-008" in text and "CR-007" not in text
    assert "本周尚未提交：销售部" in text and zh.mentions == ("SA",) and zh.lines[-1] == "完整周报已发邮件"
    en = render.digest(ws, _state(), "en", "The full brief is in the mail")
    assert "4 tasks, 1 done, 2 delayed or blocked, 1 overdue" in "\n".join(en.lines)
    assert "Not submitted this week: Sales" in "\n".join(en.lines)


def test_intake_reminder_decision_escalation(ws):
    line = render.intake_line(ws, "zh", "RD", "研发部_周报.xlsx", "accepted", 4, 0, 2).lines[0]
    assert line == "✅ 研发部第 4 版已接收：研发部_周报.xlsx（错误 0，警告 2）"
    line = render.intake_line(ws, "en", None, "x.xlsx", "rejected", None, 3, 0).lines[0]
    assert line.startswith("❌ unknown department's file was returned: x.xlsx (3 errors")
    rem = render.reminder(ws, _state(), "en")
    assert rem.mentions == ("SA",) and "Sales has not submitted; 1 open tasks due this week" in rem.lines[0]
    assert "SA-001" in rem.lines[1] and "due Friday" in rem.title
    dec = render.decision(ws, _state().changes[0], "zh")
    assert dec.title == "变更申请 CR-007 已批准" and "决定人：周敏" in dec.lines[0]
    assert dec.lines[1] == f"- RD-001: — / {(DAY + dt.timedelta(days=7)).isoformat()}"
    esc = render.escalation(ws, _state(), _state().escalations[0], "en")
    assert "escalated R&D's task RD-001" in esc.lines[0] and "请分管副总协调供应商" in esc.lines[0]


@pytest.mark.parametrize("vendor", ["dingtalk", "wecom", "feishu"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_event_fits_each_platform(ws, vendor, lang):
    channel = ChatChannel("g", vendor, "https://example.com/hook/x", keyword="项目", mention={"SA": "13800000003"})
    state = _state()
    for message in (render.digest(ws, state, lang, "mail"), render.reminder(ws, state, lang),
                    render.decision(ws, state.changes[0], lang), render.escalation(ws, state, state.escalations[0], lang),
                    render.intake_line(ws, lang, "RD", "f.xlsx", "accepted", 1, 0, 0)):
        body = parts(channel, message)[0]
        raw = json.dumps(body, ensure_ascii=False)
        assert "项目" in raw  # the keyword, added when the message lacks it
        assert len(raw.encode()) <= 20_000
