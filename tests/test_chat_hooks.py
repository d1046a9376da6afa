"""The service's hooks queue each event once per group, with mentions, from the week's state."""
from __future__ import annotations

import datetime as dt

import pytest

from chat_fakes import Fake, SimClock
from chat_helpers import SECRET, chat_table, chat_workspace, sim_sender
from test_chat_render import DAY, _state
from xlflow.chat import events
from xlflow.chat.outbox import ChatOutbox
from xlflow.service import chatting
from xlflow.service.outcome import Outcome


@pytest.fixture
def group(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "kick", lambda ws: None)
    monkeypatch.setattr(chatting, "_week", lambda ws, as_of, db: _state())
    clock = SimClock()
    dingtalk = Fake("dingtalk", secret=SECRET, clock=clock.now).start()
    leaders = Fake("feishu", clock=clock.now).start()
    ws = chat_workspace(tmp_path / "ws", [
        chat_table("项目群", dingtalk, "DT_SECRET", mention={"SA": "13800000003", "RD": "rd_userid"}),
        chat_table("领导群", leaders, events=["brief", "escalation"])])
    yield ws, clock, dingtalk, leaders
    dingtalk.stop()
    leaders.stop()


def test_each_hook_queues_once_and_reaches_the_groups_that_take_it(group):
    ws, clock, dingtalk, leaders = group
    chatting.after_intake(ws, Outcome(ws.root / "inbox" / "RD.xlsx", "accepted", "RD", 0, 1, 3, sha256="ab"))
    chatting.after_intake(ws, Outcome(ws.root / "inbox" / "x.xlsx", "retry"))  # not processed: no line
    for _ in range(2):  # a second run (after a crash, the next merge) queues nothing new
        chatting.after_merge(ws, DAY)
        chatting.after_brief(ws, DAY, ws.root / "reports" / "brief.txt")
        chatting.after_reminders(ws, DAY)
        chatting.after_intake(ws, Outcome(ws.root / "inbox" / "RD.xlsx", "accepted", "RD", 0, 1, 3, sha256="ab"))
    box = ChatOutbox(ws.state_db)
    assert [r["event"] for r in box.rows("项目群")] == ["intake", "decision", "escalation", "brief", "reminder"]
    assert [r["event"] for r in box.rows("领导群")] == ["escalation", "brief"]
    assert sim_sender(ws, clock, {"DT_SECRET": SECRET}).drain().sent == 7
    bodies = [b for _, b in dingtalk.delivered]
    assert "研发部第 3 版已接收" in bodies[0]["markdown"]["text"]
    assert "CR-007" in bodies[1]["markdown"]["title"] and bodies[1]["at"]["atUserIds"] == ["rd_userid"]
    assert "请分管副总协调供应商" in bodies[2]["markdown"]["text"]
    assert "本周尚未提交：销售部" in bodies[3]["markdown"]["text"] and "reports/brief.txt" in bodies[3]["markdown"]["text"]
    assert bodies[4]["at"]["atMobiles"] == ["13800000003"] and "@13800000003" in bodies[4]["markdown"]["text"]
    assert leaders.delivered[1][1]["content"]["post"]["zh_cn"]["title"].startswith("智能水壶X1新品上市周报")


def test_a_workspace_without_chat_is_untouched(tmp_path, monkeypatch):
    from xlflow.service.scaffold import init_workspace

    ws = init_workspace(tmp_path / "ws", "zh", sample=True)
    monkeypatch.setattr(chatting, "_week", lambda *a: pytest.fail("the week must not be loaded"))
    chatting.after_merge(ws, DAY)
    chatting.after_brief(ws, DAY, None)
    chatting.after_intake(ws, Outcome(ws.root / "x.xlsx", "accepted", "RD"))
    assert ChatOutbox(ws.state_db).rows() == []


def test_a_broken_week_never_breaks_the_caller(group, monkeypatch):
    ws, *_ = group
    monkeypatch.setattr(chatting, "_week", lambda *a: 1 / 0)
    chatting.after_merge(ws, dt.date(2026, 11, 20))
    chatting.after_brief(ws, DAY, None)
    chatting.after_reminders(ws, DAY)
    assert ChatOutbox(ws.state_db).rows() == []
