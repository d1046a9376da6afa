"""The digest and the reminder of a stored week (load_week), as the weekly jobs post them."""
from __future__ import annotations

import pytest

from brief_helpers import AS_OF, record
from chat_fakes import Fake, SimClock
from chat_helpers import chat_table, chat_workspace, sim_sender
from xlflow.chat import events
from xlflow.chat.outbox import ChatOutbox
from xlflow.service import weekly
from xlflow.store.state import StateDB


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_weekly_jobs_post_the_stored_week(tmp_path, monkeypatch, lang):
    monkeypatch.setattr(events, "kick", lambda ws: None)
    clock = SimClock()
    fake = Fake("dingtalk", clock=clock.now).start()
    try:
        ws = chat_workspace(tmp_path / "ws", [chat_table("项目群", fake, mention={"MK": "13800000002",
                                                                               "CS": "cs_user"})], lang=lang)
        record(StateDB(ws.state_db))
        weekly.send_weekly_brief(ws, AS_OF, send=False, preview=True)  # a preview posts nothing
        assert ChatOutbox(ws.state_db).rows() == []
        result = weekly.send_weekly_brief(ws, AS_OF, send=False)
        weekly.send_reminders(ws, AS_OF, send=False)
        assert sim_sender(ws, clock).drain().sent == 2
        digest, reminder = (b for _, b in fake.delivered)
        text = digest["markdown"]["text"]
        assert "RD-002" in text and "SA-001" in text  # newly blocked; overdue
        assert result.text.name in text  # where the full brief is
        assert digest["at"]["atMobiles"] == ["13800000002"] and digest["at"]["atUserIds"] == ["cs_user"]
        assert ("本周尚未提交：市场部、客服部、财务部" if lang == "zh" else "Not submitted this week: Marketing") in text
        assert "2026-W47" in reminder["markdown"]["title"] and "@13800000002" in reminder["markdown"]["text"]
    finally:
        fake.stop()


def test_a_workspace_merge_hands_its_week_to_the_chat(tmp_path, monkeypatch):
    import shutil

    from watch_helpers import sample
    from xlflow.watcher import process_inbox

    seen = []
    monkeypatch.setattr(events, "after_merge", lambda ws, state: seen.append(state))
    fake = Fake("wecom")  # never started: nothing is sent in this test
    fake.server = type("S", (), {"server_address": ("127.0.0.1", 9)})()
    ws = chat_workspace(tmp_path / "ws", [chat_table("g", fake, events=["decision", "escalation"])])
    for dept in ("RD", "MK"):
        shutil.copy(sample(dept, 46), ws.folder("inbox"))
    outcomes = process_inbox(ws, as_of=AS_OF.replace(day=13))
    assert [o.result for o in outcomes] == ["accepted", "accepted"]
    assert seen and seen[-1].project_code == ws.project.code and {t.department for t in seen[-1].tasks} >= {"RD", "MK"}


def test_the_brief_says_a_stopped_group_and_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "kick", lambda ws: None)
    fake = Fake("feishu")
    fake.server = type("S", (), {"server_address": ("127.0.0.1", 9)})()
    ws = chat_workspace(tmp_path / "ws", [chat_table("领导群", fake)], lang="en")
    record(StateDB(ws.state_db))
    assert weekly.send_weekly_brief(ws, AS_OF, send=False).brief.notes == weekly.make_brief(ws, AS_OF).notes
    ChatOutbox(ws.state_db).stop("领导群", "the platform answered 19024: Key Words Not Found — set keyword", 0)
    result = weekly.send_weekly_brief(ws, AS_OF, send=False)
    assert "Group 领导群 (feishu) stopped since" in result.text.read_text("utf-8")
    assert "19024: Key Words Not Found — set keyword" in result.brief.notes[-1]
